DROP TABLE report_attachments;
