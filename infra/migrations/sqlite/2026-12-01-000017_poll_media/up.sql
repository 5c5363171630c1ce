-- A poll option's picture: an upload of the organiser's, attached to the poll (who may see the
-- poll may see it).
ALTER TABLE media ADD COLUMN poll_id TEXT REFERENCES polls (id);
