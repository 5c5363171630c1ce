DROP INDEX polls_one_live_per_matter;
