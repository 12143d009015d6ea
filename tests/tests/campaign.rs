//! Campaign ↔ Dynamics 365 (seed 004) on the real desktop app against the built-in sandbox:
//! connect its Dynamics 365 org and its Adobe Campaign tenant, link them (checked live), run the
//! contacts to profiles, preview a contact's timeline with an email event Campaign logged since,
//! and schedule the run.

use liaison_e2e::{Desktop, button, labelled};
use serde_json::{Value, json};

/// The built-in sandbox's fixed ports (`SANDBOX_PORT` in src-tauri/src/commands/sandbox.rs):
/// Dataverse is its third listener, the control API its eighth.
const DATAVERSE: &str = "http://127.0.0.1:27612/api/data/v9.2";
const CONTROL: &str = "http://127.0.0.1:27617";

/// A contact's email in the sandbox's Dynamics 365, read with the token the app was issued.
async fn a_contact_email() -> anyhow::Result<String> {
    let http = reqwest::Client::new();
    let tokens: Value = http.get(format!("{CONTROL}/tokens")).send().await?.json().await?;
    let token = tokens["tokens"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["system"] == "microsoft" && t["kind"] == "access")
        .and_then(|t| t["token"].as_str())
        .ok_or_else(|| anyhow::anyhow!("the sandbox issued no Microsoft access token"))?
        .to_owned();
    let page: Value = http
        .get(format!("{DATAVERSE}/contacts?$select=emailaddress1&$filter=emailaddress1 ne null&$top=1"))
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?;
    page["value"][0]["emailaddress1"].as_str().map(str::to_owned).ok_or_else(|| anyhow::anyhow!("no contact: {page}"))
}

#[tokio::test]
async fn r17_r18_link_run_and_preview_a_contact_s_timeline_against_the_sandbox() -> anyhow::Result<()> {
    let app = Desktop::launch().await?;
    app.activate_and_start_the_sandbox().await?;
    // Both systems, each marked as the sandbox's (its addresses fill in; its secret is used).
    app.connect_the_sandbox_dynamics().await?;
    app.open_settings("Adobe Campaign").await?;
    app.click(&labelled("Sandbox connection")).await?;
    app.click(&button("Connect")).await?;
    app.wait_for("//table//*[contains(normalize-space(), 'Adobe Campaign (Sandbox)')]", 60).await?;

    // Link them: checked live (online org, Campaign Standard); the mapping appears.
    app.open_settings("Campaign ↔ Dynamics 365").await?;
    app.click(&button("Check and save")).await?;
    app.wait_for("//p[@role='status'][starts-with(normalize-space(), 'Linked.')]", 60).await?;
    app.wait_for("//*[contains(normalize-space(), 'contactid → cusCrmContactId (always)')]", 30).await?;

    // Run: contacts to profiles, to its end.
    app.click(&button("Run now")).await?;
    let end = "//p[@role='status'][starts-with(normalize-space(), 'The run ')] | //section[@aria-labelledby='campaign-runs']//*[@role='alert']";
    let text = app.wait_for(end, 240).await?.text().await?;
    anyhow::ensure!(text.starts_with("The run finished:"), "the Campaign run did not finish: {text}");
    anyhow::ensure!(!text.contains(" 0 created"), "no profile was created: {text}");

    // A click logged in Campaign since: the preview shows it as the next run's, worded as
    // Dynamics 365 will show it.
    let email = a_contact_email().await?;
    let injected = reqwest::Client::new()
        .post(format!("{CONTROL}/campaign/events"))
        .json(
            &json!([{"email": email, "type": "clicked", "label": "Winter offers", "url": "https://www.example.com/w"}]),
        )
        .send()
        .await?;
    anyhow::ensure!(injected.status().is_success(), "the event was not logged: {}", injected.text().await?);
    // Far down the page: brought into view first (WebKitWebDriver does not scroll the content pane).
    app.client
        .execute("document.getElementById('campaign-timeline-contact').scrollIntoView({block: 'center'})", vec![])
        .await?;
    app.fill("Contact's email or contact ID", &email).await?;
    app.click(&button("Show timeline")).await?;
    let timeline = app.wait_for("//ol[@aria-labelledby='campaign-timeline-of']", 30).await?.text().await?;
    anyhow::ensure!(
        timeline.contains("Next run") && timeline.contains("Email link clicked: “Winter offers”"),
        "the timeline preview lacks the click: {timeline}"
    );
    app.screenshot("campaign-timeline").await?;

    // Schedule: saved when chosen.
    app.find(&labelled("Run by itself")).await?.select_by_label("Every 1 hours").await?;
    app.wait_for("//section[@aria-labelledby='campaign-schedule']//p[@role='status']", 15).await?;
    app.close().await
}
