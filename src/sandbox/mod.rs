//! The world: hosts, services, the store and the relay queue, pumped until quiet.
