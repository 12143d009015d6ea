//! Issue 6's flow on the real desktop app: with Salesforce and Marketo connected to the built-in
//! sandbox, open the field preview, start the sync, watch its progress to the end, then find a
//! person the sync brought in on the People page with both a Marketo and a Salesforce ID.

use liaison_e2e::{Desktop, button, labelled, xpath_literal};

#[tokio::test]
async fn field_preview_then_full_sync_to_the_end_then_a_synced_person_has_both_ids() -> anyhow::Result<()> {
    let app = Desktop::launch().await?;
    app.activate_and_connect_the_sandbox().await?;

    // Data sync: Sync action fields → Sync opens the field preview from live describes.
    app.open_settings("Data sync").await?;
    app.click(&button("Sync")).await?;
    let preview = "//table[caption[normalize-space()='Fields to sync']]";
    app.wait_for(&format!("{preview}//th[normalize-space()='First name']"), 120).await?;
    let email = app.find(&labelled("Sync Email")).await?;
    assert!(email.prop("disabled").await?.as_deref() == Some("true"), "the email match key cannot be deselected");
    app.wait_for("//table[caption[normalize-space()='API calls this sync needs, per system']]", 120).await?;
    app.screenshot("sync-preview").await?;

    // Start sync and watch the progress bar until the run reports its end.
    app.click(&button("Start sync")).await?;
    app.wait_for("//progress[@aria-labelledby='sync-progress-label']", 20).await?;
    // The end is a status line on success, an alert with Rust's message otherwise.
    let end = "//p[@role='status'][starts-with(normalize-space(), 'Sync ')] | //*[@role='alert']";
    let finished = app.wait_for(end, 240).await?;
    let text = finished.text().await?;
    assert!(text.starts_with("Sync Succeeded:"), "the sync did not succeed: {text}");
    let history = "//table[caption[normalize-space()='Data sync runs']]";
    app.wait_for(&format!("{history}//tbody/tr[1]//*[normalize-space()='Succeeded']"), 20).await?;
    app.screenshot("sync-finished").await?;

    // People: a person in both systems, found again by searching their email.
    app.open_settings("People").await?;
    let people = "//table[caption[normalize-space()='People']]";
    let both = format!(
        "{people}//tbody/tr[td/span[normalize-space()='Marketo'] and td/span[normalize-space()='Salesforce']][1]/td[2]"
    );
    let email = app.wait_for(&both, 20).await?.text().await?;
    assert!(email.contains('@'), "not an email: {email}");
    app.fill("Search people", &email).await?;
    let row = format!("{people}//tbody[count(tr)=1]/tr[td[normalize-space()={}]]", xpath_literal(&email));
    app.wait_for(&row, 20).await?;
    app.click(&button(&format!("Details for {email}"))).await?;
    let id = |test_id: &str| format!("//dd[@data-testid='{test_id}']");
    let marketo_id = app.wait_for(&id("marketo-id"), 10).await?.text().await?;
    let contact_id = app.find(&id("sf-contact-id")).await?.text().await?;
    let lead_id = app.find(&id("sf-lead-id")).await?.text().await?;
    assert!(marketo_id.chars().all(|c| c.is_ascii_digit()) && !marketo_id.is_empty(), "Marketo ID: {marketo_id}");
    assert!(
        [&contact_id, &lead_id].iter().any(|id| id.len() >= 15 && id.chars().all(|c| c.is_ascii_alphanumeric())),
        "no Salesforce ID: contact {contact_id}, lead {lead_id}"
    );
    app.wait_for("//table[caption[normalize-space()='Field sources']]//td[normalize-space()='Salesforce' or normalize-space()='Marketo']", 10)
        .await?;
    app.screenshot("people-detail").await?;
    app.close().await
}
