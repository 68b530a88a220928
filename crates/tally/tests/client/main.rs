//! The client commands of the `tally` binary against real `tally serve`
//! processes, on SQLite and on PostgreSQL: output and exit codes, resume after
//! an outage, and SIGKILL at random points.

mod helpers;

mod commands;
mod crash;
