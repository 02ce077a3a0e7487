//! `apothic-image`: the core of `@apothic/image`.

pub mod error;

pub use error::{Error, ErrorCode, Position, Result};
