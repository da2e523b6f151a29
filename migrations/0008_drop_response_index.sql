-- A wave's answers are read whole (the release), never by unit through an index, and
-- building this index on the shuffled copy at close doubled the close's time
-- (bench/close.py); it also cost every submission an index insert. A unit with answers is
-- still refused removal (units.queries.UNIT_USES), by a scan.
DROP INDEX response_unit;
