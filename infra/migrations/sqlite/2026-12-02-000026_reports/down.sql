DROP TABLE report_quota;
DROP TABLE report_messages;
DROP TABLE reports;
