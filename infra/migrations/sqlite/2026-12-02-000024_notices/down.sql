DROP INDEX media_notice;
ALTER TABLE media DROP COLUMN notice_id;
DROP TABLE notice_board_codes;
DROP TABLE notice_objections;
DROP TABLE notices;
