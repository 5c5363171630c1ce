//! Anonymous reports and their follow-up in the database.
