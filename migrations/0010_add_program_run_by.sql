-- Who runs a program's survey, in the words its responders read on the survey page
-- ("the peer-support team"), per language: {"en": ..., "fr": ...}. NULL: not said.
ALTER TABLE program ADD COLUMN run_by jsonb;
