DROP TABLE open311_keys;
DROP TABLE calendar_days;
DROP TABLE media;
DROP TABLE case_followers;
DROP TABLE case_events;
DROP TABLE cases;
DROP TABLE case_categories;
