//! Integration tests of the sandbox over real HTTP on loopback: the Channel
//! flow, the customer's side, error cases, faults, and persistence.

mod catalog;
mod cli;
mod clock;
mod connection;
mod errors;
mod faults;
mod flow;
mod garbage;
mod persistence;
mod setup;
