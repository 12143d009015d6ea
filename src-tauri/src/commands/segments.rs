//! Exports → Segments: the fields rules may name, the live count with a sample while the admin
//! edits, and saved segments.

use liaison_core::Error;
use liaison_core::segments::{self, Definition, Segment, SegmentField, SegmentPreview};
use tauri::State;

use super::with_workspace;
use crate::state::AppState;

pub async fn segment_fields(state: State<'_, AppState>) -> Result<Vec<SegmentField>, Error> {
    with_workspace(state, |ws| segments::fields(ws.store())).await
}

pub async fn segment_preview(state: State<'_, AppState>, definition: Definition) -> Result<SegmentPreview, Error> {
    with_workspace(state, move |ws| segments::preview(ws.store(), &definition)).await
}

pub async fn segments_list(state: State<'_, AppState>) -> Result<Vec<Segment>, Error> {
    with_workspace(state, |ws| segments::list(ws.store())).await
}

pub async fn segment_create(
    state: State<'_, AppState>,
    name: String,
    definition: Definition,
) -> Result<Segment, Error> {
    with_workspace(state, move |ws| segments::create(ws, &name, definition)).await
}

pub async fn segment_update(
    state: State<'_, AppState>,
    name: String,
    new_name: String,
    definition: Definition,
) -> Result<Segment, Error> {
    with_workspace(state, move |ws| segments::update(ws, &name, &new_name, definition)).await
}

pub async fn segment_delete(state: State<'_, AppState>, name: String) -> Result<(), Error> {
    with_workspace(state, move |ws| segments::delete(ws, &name)).await
}
