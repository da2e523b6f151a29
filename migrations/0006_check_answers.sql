-- A stored answer is 0 (not answered) or an option value, which instruments keep at 1 or
-- more (service/instruments/schemas.py). The release also clamps every answer to its
-- item's bounds (service/privacy/queries.py), so a row that got past this check still
-- moves no released statistic by more than its stated sensitivity; this check keeps
-- such rows out in the first place: one dimension, subscripts from 1 (so answers[i] is
-- the wave's item i), no NULL element and no negative one.
ALTER TABLE response ADD CONSTRAINT response_answers_in_range CHECK (
    array_ndims(answers) = 1
    AND array_lower(answers, 1) = 1
    AND array_position(answers, NULL) IS NULL
    AND 0 <= ALL (answers)
);
