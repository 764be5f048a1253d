//! The workspace's white-label theme in its decks, and its files falling back with a warning.

use pw_engine::ErrorKind;
use pw_engine::decks::{DeckFormat, DeckSpec, check_pptx};

/// A 1×1 PNG (one orange pixel), as any image program writes it.
const ONE_PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xfc, 0xcf, 0xc0, 0x50,
    0x0f, 0x00, 0x04, 0x85, 0x01, 0x80, 0x84, 0xa9, 0x8c, 0x21, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Every part of a zip package whose name starts with `prefix`, as bytes.
fn parts(bytes: &[u8], prefix: &str) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut found = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().into_owned();
        if name.starts_with(prefix) {
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut file, &mut data).unwrap();
            found.push((name, data));
        }
    }
    found
}

/// The workspace's theme reaches its decks: the colours in the PowerPoint's theme and shapes,
/// the client's and agency's names on the title slide, the logo as a picture, the PDF set in
/// the theme's font. A file the theme carries that is gone from the workspace's files falls
/// back with a warning and the deck is still whole; a logo that is not a PNG is refused when
/// it is picked and changes nothing.
#[tokio::test]
async fn a_workspaces_theme_brands_its_decks_and_a_lost_file_falls_back_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = crate::evidence::demo_copy(dir.path(), "decks-theme").await;
    let decks = engine.decks();
    let default = decks.theme(workspace).await.unwrap();
    assert!(!default.saved && default.files.is_empty());

    let logo = dir.path().join("halcyon.png");
    std::fs::write(&logo, ONE_PIXEL_PNG).unwrap();
    let not_a_logo = dir.path().join("logo.jpg");
    std::fs::write(&not_a_logo, b"\xff\xd8\xff\xe0 a JPEG").unwrap();
    let serif = std::path::PathBuf::from("/usr/share/fonts/truetype/liberation2");
    let mut theme = default.theme.clone();
    theme.agency_name = "North & Co".into();
    theme.primary = pw_engine::decks::Rgb::parse("#0A7B83").unwrap();
    theme.secondary = pw_engine::decks::Rgb::parse("#D94F30").unwrap();
    theme.heading_font = "Georgia".into();
    use pw_engine::decks::{ThemeFileRole as Role, ThemeFileSource as From};
    let refused = decks
        .set_theme(
            workspace,
            &theme,
            &[(Role::ClientLogo, From::Path(not_a_logo.clone()))],
        )
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidInput);
    assert!(refused.to_string().contains("PNG"), "{refused}");
    assert!(
        !decks.theme(workspace).await.unwrap().saved,
        "nothing saved"
    );
    let missing = decks
        .set_theme(
            workspace,
            &theme,
            &[(Role::AgencyLogo, From::Path(dir.path().join("gone.png")))],
        )
        .await
        .unwrap_err();
    assert!(missing.to_string().contains("gone.png"), "{missing}");

    let saved = decks
        .set_theme(
            workspace,
            &theme,
            &[
                (Role::ClientLogo, From::Path(logo.clone())),
                (
                    Role::FontRegular,
                    From::Path(serif.join("LiberationSerif-Regular.ttf")),
                ),
                (
                    Role::FontBold,
                    From::Path(serif.join("LiberationSerif-Bold.ttf")),
                ),
            ],
        )
        .await
        .unwrap();
    assert!(saved.saved);
    assert_eq!(saved.theme, theme);
    assert_eq!(saved.files.len(), 3);
    // The theme keeps a copy: the picked file may go.
    std::fs::remove_file(&logo).unwrap();
    assert_eq!(
        decks
            .theme_file(workspace, Role::ClientLogo)
            .await
            .unwrap()
            .as_deref(),
        Some(ONE_PIXEL_PNG)
    );

    let spec: DeckSpec = serde_json::from_value(serde_json::json!({
        "title": "Branded review",
        "sections": [{ "kind": "dashboard" }]
    }))
    .unwrap();
    let pptx = decks
        .build(workspace, &spec, DeckFormat::Pptx)
        .await
        .unwrap();
    assert!(pptx.warnings.is_empty(), "{:?}", pptx.warnings);
    let theme_xml = parts(&pptx.bytes, "ppt/theme/");
    let theme_xml = String::from_utf8(theme_xml[0].1.clone()).unwrap();
    for colour in ["0A7B83", "D94F30"] {
        assert!(theme_xml.contains(colour), "{colour} not in the theme");
    }
    assert!(theme_xml.contains("Georgia"), "the heading font");
    let slides: String = parts(&pptx.bytes, "ppt/slides/slide")
        .into_iter()
        .map(|(_, data)| String::from_utf8(data).unwrap())
        .collect();
    assert!(slides.contains("0A7B83"), "shapes in the primary colour");
    let media = parts(&pptx.bytes, "ppt/media/");
    assert!(
        media.iter().any(|(_, data)| data == ONE_PIXEL_PNG),
        "the client's logo"
    );
    let report = check_pptx(&pptx.bytes).unwrap();
    let title_slide = report.slide_texts[0].join(" ");
    assert!(title_slide.contains("Halcyon Roasters"), "{title_slide}");
    assert!(title_slide.contains("North & Co"), "{title_slide}");

    let pdf = decks
        .build(workspace, &spec, DeckFormat::Pdf)
        .await
        .unwrap();
    assert!(pdf.warnings.is_empty(), "{:?}", pdf.warnings);
    let pdf_path = dir.path().join("branded.pdf");
    std::fs::write(&pdf_path, &pdf.bytes).unwrap();
    let fonts = std::process::Command::new("pdffonts")
        .arg(&pdf_path)
        .output()
        .unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    assert!(fonts.contains("LiberationSerif"), "{fonts}");
    assert!(!fonts.contains("LiberationSans"), "{fonts}");

    // The logo's copy is lost from the workspace's files: the deck is built without it and
    // says so.
    let logo_file = saved
        .files
        .iter()
        .find(|f| f.role == Role::ClientLogo)
        .unwrap();
    let blob = pw_engine::EngineConfig::new(dir.path())
        .database_path()
        .with_file_name("blobs")
        .join(&logo_file.sha256[..2])
        .join(&logo_file.sha256[2..]);
    std::fs::remove_file(&blob).unwrap();
    let without = decks
        .build(workspace, &spec, DeckFormat::Pptx)
        .await
        .unwrap();
    assert_eq!(without.warnings.len(), 1, "{:?}", without.warnings);
    assert!(
        without.warnings[0].contains("the client's logo (halcyon.png)"),
        "{:?}",
        without.warnings
    );
    assert!(parts(&without.bytes, "ppt/media/").is_empty());
    check_pptx(&without.bytes).unwrap();

    // Removing a file and changing a colour; the low contrast is said.
    theme.text = pw_engine::decks::Rgb::parse("#CCCCCC").unwrap();
    let changed = decks
        .set_theme(workspace, &theme, &[(Role::ClientLogo, From::Remove)])
        .await
        .unwrap();
    assert_eq!(changed.files.len(), 2);
    assert_eq!(changed.warnings.len(), 1, "{:?}", changed.warnings);
    engine.shutdown().await;
}
