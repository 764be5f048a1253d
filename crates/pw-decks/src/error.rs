/// Why a deck or a table could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DeckError {
    /// The deck or its brand holds something no file can carry (a colour that is not a colour,
    /// a chart whose series and categories disagree); the message says which.
    #[error("{0}")]
    Invalid(String),
    /// A font file the PDF cannot embed or measure text with.
    #[error("{0}")]
    Font(String),
    /// No font this machine has can set the report: a part of the machine is missing.
    #[error("{0}")]
    NoFont(String),
    /// A logo that is not a PNG the deck can embed.
    #[error("the logo is not a PNG image: {0}")]
    Logo(String),
    /// The package could not be written, or read back with faults that would make PowerPoint
    /// repair it (the checker's findings, listed).
    #[error("the deck could not be packaged: {0}")]
    Package(String),
    /// A kept deck file the workspace does not have.
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] pw_store::StoreError),
    /// The embedded or exported workbook could not be written.
    #[error("the workbook could not be written: {0}")]
    Workbook(String),
}

impl From<zip::result::ZipError> for DeckError {
    fn from(error: zip::result::ZipError) -> Self {
        Self::Package(error.to_string())
    }
}

impl From<std::io::Error> for DeckError {
    fn from(error: std::io::Error) -> Self {
        Self::Package(error.to_string())
    }
}

impl From<rust_xlsxwriter::XlsxError> for DeckError {
    fn from(error: rust_xlsxwriter::XlsxError) -> Self {
        Self::Workbook(error.to_string())
    }
}
