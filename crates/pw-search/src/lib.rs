//! A workspace's search index. It is derived data: SQLite stays the system of record, and this
//! crate only knows the documents it is handed.
