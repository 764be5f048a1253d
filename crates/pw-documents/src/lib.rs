//! Documents for clients, built from blocks and written without IO, so every context that
//! reports to a client (session insights, the survey report) prints the same way.
//!
//! - [`pdf`]: a plain PDF of headings, paragraphs, bullets and quotes in the standard fonts.

pub mod pdf;
