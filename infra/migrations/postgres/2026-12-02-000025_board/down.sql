DROP TABLE board_documents;
DROP TABLE board_supervision;
DROP TABLE board_cadre_posts;
