//! Issue 4's flow on the real desktop app: activate a fresh workspace, start the built-in
//! sandbox, connect Salesforce through Connect → OK → browser, connect Marketo with the sandbox
//! credentials, and see setup steps 1–3 done on Home.

use liaison_e2e::{Desktop, button};

#[tokio::test]
async fn r2_r6_activate_then_connect_salesforce_and_marketo_through_the_sandbox() -> anyhow::Result<()> {
    let app = Desktop::launch().await?;
    app.expect_heading("Setup").await?;

    // Step 1: activate the workspace (R2).
    app.open_settings("Integration info").await?;
    app.fill("Name", "Ada Admin").await?;
    app.fill("Email", "ada@example.com").await?;
    app.click(&button("Activate workspace")).await?;
    app.wait_for("//*[contains(normalize-space(), 'Acting as ada@example.com')]", 15).await?;

    // Try Liaison with the built-in sandbox.
    app.click("//a[normalize-space()='Home'] | //button[normalize-space()='Home']").await?;
    app.click(&button("Try Liaison with the sandbox")).await?;
    app.wait_for("//*[contains(normalize-space(), 'Sandbox')]", 20).await?;

    // Step 2: Salesforce — Connect, OK in the confirmation, the browser signs in.
    app.open_settings("Salesforce").await?;
    app.click(&button("Connect")).await?;
    app.wait_for("//*[@role='dialog']", 10).await?;
    app.click("//*[@role='dialog']//button[normalize-space()='OK']").await?;
    app.wait_for("//*[normalize-space()='Disconnect' and (self::button)]", 60).await?;

    // Step 3: Marketo with the sandbox credentials (pre-filled; the sandbox's secret is used).
    app.open_settings("Marketo").await?;
    app.click(&button("Connect")).await?;
    app.wait_for("//button[normalize-space()='Disconnect']", 60).await?;

    // Home shows steps 1–3 done.
    app.click("//a[normalize-space()='Home'] | //button[normalize-space()='Home']").await?;
    app.expect_heading("Setup").await?;
    let steps = app.client.find_all(fantoccini::Locator::XPath("//main//ol/li")).await?;
    for (i, step) in steps.iter().take(3).enumerate() {
        let text = step.text().await?;
        assert!(text.contains("Done"), "step {}: {text}", i + 1);
    }
    assert!(steps[3].text().await?.contains("Not started"));
    app.screenshot("home-after-connect").await?;
    app.close().await
}
