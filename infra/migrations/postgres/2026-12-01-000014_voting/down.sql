DROP TABLE ideas;
DROP TABLE contests;
DROP TABLE ballots;
DROP TABLE poll_participation;
DROP TABLE poll_roll;
DROP TABLE poll_options;
DROP TABLE polls;
