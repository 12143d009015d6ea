//! Exports on the real desktop app: with Salesforce, Marketo and Dynamics 365 connected to the
//! built-in sandbox and a sync that filled the cache, add a Marketo destination on the sandbox's
//! first static list, create a segment of everyone, create an export of it, run it and wait for
//! the summary; then the same segment to a new Dynamics 365 marketing list, with the people no
//! contact stands for reported as unmatched.

use liaison_e2e::{Desktop, button, labelled, xpath_literal};

/// The sandbox numbers its Marketo static lists from 1000 (`mk_next_list` in
/// crates/sandbox/src/world/generate.rs), and its seeded world is the same on every start.
const FIRST_LIST_ID: &str = "1000";

/// Activates the workspace, starts the sandbox, connects both systems and runs a full sync to
/// its end (the steps of sync.rs, without its checks of the preview).
async fn connected_and_synced(app: &Desktop) -> anyhow::Result<()> {
    app.activate_and_connect_the_sandbox().await?;
    app.connect_the_sandbox_dynamics().await?;
    app.open_settings("Data sync").await?;
    app.click(&button("Sync")).await?;
    app.wait_for("//table[caption[normalize-space()='API calls this sync needs, per system']]", 60).await?;
    app.click(&button("Start sync")).await?;
    let end = "//p[@role='status'][starts-with(normalize-space(), 'Sync ')] | //*[@role='alert']";
    let text = app.wait_for(end, 240).await?.text().await?;
    anyhow::ensure!(text.starts_with("Sync Succeeded:"), "the sync did not succeed: {text}");
    Ok(())
}

fn tab(name: &str) -> String {
    format!("//*[@role='tab'][normalize-space()={}]", xpath_literal(name))
}

/// The number before `word` in a summary such as "…: 1800 added, 0 updated, …".
fn count_before(text: &str, word: &str) -> Option<u64> {
    let at = text.find(&format!(" {word}"))?;
    text[..at].rsplit(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

#[tokio::test]
async fn destination_segment_and_export_then_a_run_adds_people_to_the_list() -> anyhow::Result<()> {
    let app = Desktop::launch().await?;
    connected_and_synced(&app).await?;

    // Destination: the workspace's Marketo connection, the first static list, the notice accepted.
    app.open_settings("Exports").await?;
    app.click(&button("Add destination")).await?;
    app.wait_for("//form[@aria-labelledby]//h2[normalize-space()='Add a Marketo destination']", 10).await?;
    app.fill("Display name", "Sandbox newsletter").await?;
    app.fill("Static list ID", FIRST_LIST_ID).await?;
    app.click(&labelled("I have read and accept the data privacy and compliance notice.")).await?;
    app.click(&button("Save destination")).await?;
    let saved = app
        .wait_for("//p[@role='status'][starts-with(normalize-space(), 'Saved: list')] | //*[@role='alert']", 60)
        .await?;
    let text = saved.text().await?;
    anyhow::ensure!(text.contains(&format!("(ID {FIRST_LIST_ID})")), "the destination was not saved: {text}");

    // Segment: no rules, so everyone in the cache.
    app.click(&tab("Segments")).await?;
    app.click(&button("New segment")).await?;
    app.fill("Name", "Everyone").await?;
    app.click(&button("Save segment")).await?;
    let saved =
        app.wait_for("//p[@role='status'][starts-with(normalize-space(), 'Segment')] | //*[@role='alert']", 30).await?;
    let text = saved.text().await?;
    anyhow::ensure!(text == "Segment “Everyone” saved.", "the segment was not saved: {text}");

    // Export: that segment to that destination, with first and last name; saving does not run it.
    app.click(&tab("Exports")).await?;
    app.click(&button("New export")).await?;
    app.wait_for("//p[normalize-space()='Saving does not run the export.']", 20).await?;
    app.fill("Name", "Everyone to the newsletter").await?;
    app.click(&labelled("Everyone")).await?;
    app.click(&button("Add attribute")).await?;
    app.click(&button("Add attribute")).await?;
    app.click(&button("Save export")).await?;
    let saved = app
        .wait_for(
            "//p[@role='status'][contains(normalize-space(), 'saved. It has not been run.')] | //*[@role='alert']",
            60,
        )
        .await?;
    let text = saved.text().await?;
    anyhow::ensure!(text.starts_with("Export “Everyone to the newsletter” saved."), "the export was not saved: {text}");
    app.screenshot("exports-saved").await?;

    // Run: the progress bar, then the summary.
    app.click(&button("Run export Everyone to the newsletter")).await?;
    let end = "//p[@data-testid='export-finished'] | //*[@role='alert']";
    let text = app.wait_for(end, 300).await?.text().await?;
    app.screenshot("exports-finished").await?;
    anyhow::ensure!(text.contains("Succeeded:"), "the export did not succeed: {text}");
    let added = count_before(&text, "added").unwrap_or(0);
    anyhow::ensure!(added > 0, "the run added nobody: {text}");

    // The run is in the history.
    app.click(&tab("Runs")).await?;
    let history = "//table[caption[normalize-space()='Export runs']]";
    app.wait_for(&format!("{history}//tbody/tr[1][th[normalize-space()='Everyone to the newsletter']]//*[normalize-space()='Succeeded']"), 20)
        .await?;

    // Dynamics 365 (seed 003): a new marketing list, the same segment; only people matched to an
    // existing contact are added, the others are reported as unmatched (R14).
    app.click(&tab("Destinations")).await?;
    app.click(&button("Add destination")).await?;
    app.click(&labelled("Dynamics 365 marketing list")).await?;
    app.wait_for("//form[@aria-labelledby]//h2[normalize-space()='Add a Dynamics 365 destination']", 10).await?;
    app.fill("Display name", "Sandbox webinar").await?;
    app.click(&labelled("Create a new list")).await?;
    app.fill("New list name", "Webinar invitees").await?;
    app.click(&labelled("I have read and accept the data privacy and compliance notice.")).await?;
    app.click(&button("Save destination")).await?;
    let created = app
        .wait_for("//p[@role='status'][starts-with(normalize-space(), 'Created the list')] | //*[@role='alert']", 60)
        .await?
        .text()
        .await?;
    anyhow::ensure!(created.contains("Webinar invitees"), "the Dynamics destination was not saved: {created}");
    app.click(&tab("Exports")).await?;
    app.click(&button("New export")).await?;
    app.wait_for("//p[normalize-space()='Saving does not run the export.']", 20).await?;
    app.fill("Name", "Everyone to the webinar").await?;
    app.find(&labelled("Destination")).await?.select_by_label("Sandbox webinar").await?;
    app.click(&labelled("Everyone")).await?;
    app.click(&button("Save export")).await?;
    app.wait_for("//p[@role='status'][contains(normalize-space(), 'Everyone to the webinar” saved.')]", 60).await?;
    app.click(&button("Run export Everyone to the webinar")).await?;
    let end = "//p[@data-testid='export-finished'][contains(normalize-space(), 'Everyone to the webinar')] | //*[@role='alert']";
    let text = app.wait_for(end, 300).await?.text().await?;
    app.screenshot("exports-dynamics-finished").await?;
    anyhow::ensure!(text.contains("Succeeded:"), "the Dynamics export did not succeed: {text}");
    let (added, unmatched) = (count_before(&text, "added").unwrap_or(0), count_before(&text, "unmatched").unwrap_or(0));
    anyhow::ensure!(added > 0 && unmatched > 0, "matched contacts added, the rest unmatched: {text}");
    app.close().await
}
