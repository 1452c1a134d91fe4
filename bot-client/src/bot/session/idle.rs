//! An idle session (`--idle`): `Hello`, `Welcome`, then nothing but
//! answering the server's WebSocket pings until the bot's duration ends,
//! then a clean close. It never joins a lobby and sends no inputs or pings
//! of its own, so the server holds nothing for it but the connection: what
//! a run of idle bots costs the server is what an idle connection costs.
//!
//! Cheap per bot on purpose (runs of 10 000 measure the server's memory,
//! so the bot process must not be what runs out): one timer (the end of
//! the duration) besides the stage deadlines, no input or ping intervals,
//! and the driver sleeps on its event channel in between.

use tokio::time::sleep_until;

use super::Session;
use crate::games::BotGame;
use crate::outcome::{FailReason, Stage};

impl<B: BotGame> Session<'_, B> {
    /// The whole idle session. `Ok` once the bot stayed to the end of its
    /// duration; the close after that is best effort.
    pub(in crate::bot) async fn idle(&mut self) -> Result<(), FailReason> {
        self.hello().await?;
        self.stage = Stage::Idle;
        let end = sleep_until(self.play_end);
        tokio::pin!(end);
        loop {
            tokio::select! {
                biased;
                () = &mut end => break,
                event = self.events.recv() => match event {
                    Some(event) => self.on_event(event).await?,
                    None => return Err(self.closed_reason()),
                },
            }
        }
        self.idle_to_end = true;
        self.stage = Stage::Close;
        self.close().await;
        Ok(())
    }
}
