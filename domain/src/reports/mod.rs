//! Anonymous reports (举报) of misconduct by cadres or about the small powers, projects and funds
//! (三小): where a report goes (never to the cadre it names), the follow-up code the reporter
//! keeps, and what is kept of the reporter (only a keyed hash against abuse).
//! `infra::reports` stores them and `api::reports` serves them.
