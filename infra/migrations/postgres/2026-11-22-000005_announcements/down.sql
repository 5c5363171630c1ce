DROP INDEX residencies_status_user;
DROP TABLE announcements;
