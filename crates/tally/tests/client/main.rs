//! The client commands of the `tally` binary against real `tally serve`
//! processes, on SQLite and on PostgreSQL: output and exit codes, resume after
//! an outage, SIGKILL at random points, and interrupted imports.

mod helpers;

mod commands;
mod crash;
mod exports;
mod import;
