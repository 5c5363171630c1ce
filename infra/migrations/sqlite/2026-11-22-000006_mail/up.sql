-- An address for mail, given by the user (staff mostly; residents if they wish).
ALTER TABLE users ADD COLUMN email TEXT;
