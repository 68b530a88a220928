//! The SDK against real servers, on SQLite and on PostgreSQL.

mod helpers;

mod api;
