//! The SDK against real servers (SQLite and PostgreSQL), a scripted stub
//! server for the retry policy, and a fault-injecting TCP proxy.

mod helpers;

mod api;
mod faults;
mod resume;
mod retries;
