-- Version 2: reserved for the partitioned events table; this placeholder changes nothing (a
-- statement rather than only a comment: the client does not answer an empty query).
SELECT 1;
