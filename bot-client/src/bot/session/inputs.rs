//! The driver's inputs: one sampled per tick, with the `ack_tick` of the
//! newest view held, predicted and timed (for `input_ack_ms`) right then,
//! and sent alone in an `Input` or, with `--input-batch K`, once K are
//! waiting, oldest first, in one `Inputs`.
//!
//! A batched frame keeps the `ack_tick` of **when it was sampled**: the
//! world its `hitscan` aimed at. That ages no baseline, since the server
//! takes the newest acknowledgement it hears and the last frame of a batch
//! is sampled just before it is sent. Inputs still waiting for their batch
//! at a chaos drop are lost with the connection, like those in flight:
//! `seq` jumps past them (the server only needs it to grow), and
//! prediction and ack timing already treat every input sampled before a
//! drop as uncertain.

use rallypoint_shared::ClientMsg;

use super::Session;
use crate::outcome::FailReason;
use crate::wander::Wander;

impl Session<'_> {
    /// Samples this tick's input, and sends the batch once it is full.
    pub(super) async fn on_input_tick(&mut self, wander: &mut Wander) -> Result<(), FailReason> {
        self.seq += 1;
        let input = wander.next_input(self.seq, self.acks.ack_tick());
        self.acks.record(self.seq, self.now_us());
        if let Ok(mut predictor) = self.predictor.lock() {
            predictor.on_input(&input);
        }
        self.batch.push(input);
        if self.batch.len() >= self.ctx.input_batch {
            self.send_inputs().await?;
        }
        Ok(())
    }

    /// Sends the inputs waiting for their batch: one alone as `Input`,
    /// more as one `Inputs`, whose buffer is kept for the next batch.
    async fn send_inputs(&mut self) -> Result<(), FailReason> {
        let count = self.batch.len() as u64;
        let hitscans = self.batch.iter().filter(|f| f.hitscan).count() as u64;
        let msg = match self.batch.as_slice() {
            [] => return Ok(()),
            [one] => ClientMsg::Input(*one),
            _ => ClientMsg::Inputs(std::mem::take(&mut self.batch)),
        };
        let sent = self.send(&msg).await;
        match msg {
            ClientMsg::Inputs(mut frames) => {
                frames.clear();
                self.batch = frames;
            }
            _ => self.batch.clear(),
        }
        sent?;
        self.inputs_sent += count;
        self.input_messages_sent += 1;
        self.hitscan_shots += hitscans;
        Ok(())
    }
}
