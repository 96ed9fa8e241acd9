//! The session folder's files, each format in one module with its writer, its reader and
//! a round-trip test: `keypoints.jsonl`.

pub mod keypoints;
