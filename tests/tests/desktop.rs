//! The real desktop app, driven over WebDriver.

use liaison_e2e::{Desktop, xpath_literal};

/// The Settings areas of SPEC §4, each with a page whose `h1` carries its name.
const SETTINGS_AREAS: [&str; 10] = [
    "Salesforce",
    "Marketo",
    "Dynamics 365",
    "Adobe Campaign",
    "Integration info",
    "User management",
    "Data sync",
    "Exports",
    "Campaign ↔ Dynamics 365",
    "Audit log",
];

#[tokio::test]
async fn r1_home_shows_the_seven_setup_steps_from_the_backend() -> anyhow::Result<()> {
    let app = Desktop::launch().await?;
    app.expect_heading("Setup").await?;
    let steps = app.client.find_all(fantoccini::Locator::XPath("//main//ol/li")).await?;
    assert_eq!(steps.len(), 7, "seven setup steps");
    let first = steps[0].text().await?;
    assert!(
        first.contains("Set up the workspace") && first.contains("Marketo admin") && first.contains("Not started"),
        "{first}"
    );
    let sixth = steps[5].text().await?;
    assert!(sixth.contains("Salesforce admin"), "{sixth}");
    app.screenshot("home").await?;
    app.close().await
}

#[tokio::test]
async fn the_gear_opens_settings_and_every_area_shows_its_heading() -> anyhow::Result<()> {
    let app = Desktop::launch().await?;
    app.expect_heading("Setup").await?;
    app.find("//button[@aria-label='Settings']").await?.click().await?;
    for area in SETTINGS_AREAS {
        let link = app.find(&format!("//nav//a[normalize-space()={}]", xpath_literal(area))).await?;
        link.click().await?;
        app.expect_heading(area).await?;
    }
    app.screenshot("settings-audit-log").await?;
    app.close().await
}
