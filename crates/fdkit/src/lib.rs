//! fdkit
