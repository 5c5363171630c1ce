DROP TABLE leadership_gradings;
DROP TABLE contest_scores;
DROP TABLE ranking_configs;
