//! Client decks: what a deck holds ([`Deck`]), how it is branded ([`Brand`]), and the files it
//! becomes: a PowerPoint package with native, editable charts ([`write_pptx`]), the XLSX and
//! CSV of every table behind it ([`tables`]), and a reader that checks a written package the way
//! PowerPoint would before anyone opens it ([`check_pptx`]).
//!
//! The writers touch no database or disk: the engine gathers a deck's content from stored
//! results and hands it over; the bytes come back. What a deck showed ([`figures`]) and what
//! moved between two builds ([`changes`]) are IO-free too. The one module with IO is
//! [`DeckFiles`], the repository of the decks a workspace has built (`deck_files`, with their
//! bytes in the blob store), and [`Themes`], each workspace's white-label theme and its files.

mod brand;
mod chart;
mod deck;
mod error;
mod figures;
mod files;
mod format;
mod package_check;
mod pdf;
mod pptx;
pub mod tables;
mod themes;
mod xml;

pub use brand::{Brand, Logo, Rgb};
pub use chart::{ChartKind, ChartSpec, Series};
pub use deck::{Deck, Kpi, Quote, Slide, SlideBody, Source};
pub use error::DeckError;
pub use figures::{Changes, Figure, Moved, changes, figures};
pub use files::{DeckFile, DeckFiles, NewDeckFile, file_safe};
pub use format::{NumberFormat, Value};
pub use package_check::{PackageReport, check_pptx};
pub use pdf::{PdfFonts, write_pdf};
pub use pptx::write_pptx;
pub use tables::Table;
pub use themes::{StoredTheme, Theme, ThemeFile, ThemeFileChange, ThemeFileRole, Themes, contrast};
