//! Notices, their objections and the public board in the database.
