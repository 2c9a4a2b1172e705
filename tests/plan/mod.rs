//! Integration tests: plan (the planner, its renderers, saved plans, exit codes).

mod behaviour;
mod cli;
mod examples;
mod fingerprint;
mod fixtures;
mod github;
mod hostile;
mod json_output;
mod planfile;
mod rederive;
mod roundtrip;
mod scale;
mod scenarios;
mod schema;
mod show;
mod snapshots;
