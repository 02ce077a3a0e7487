//! Layer 1: one external format per module, and nothing about images. Each may use the floor
//! (`crate::error`, `crate::limits`, `crate::sorting`) and the formats listed before it; none
//! uses the spec, the renderer, the builder or resolution (ARCHITECTURE.md §2).

pub mod dockerfile;
pub mod dotenv;
pub mod ignore;
pub mod paths;
pub mod pyproject;
pub mod quote;
pub mod reference;
pub mod requirements;
