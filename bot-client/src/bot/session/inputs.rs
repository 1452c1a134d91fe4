//! What the driver sends each tick, as the bot's game policy says.
//!
//! A game with per-tick input (arena): one input sampled per tick, with
//! the `ack_tick` of the newest view held, timed (for `input_ack_ms`) right
//! then, and sent alone in an `Input` or, with `--input-batch K`, once K
//! are waiting, oldest first, in one `Inputs`. A game without (four): an
//! `Ack` of the newest view, whenever it is newer than the last one sent.
//! Either may add a reliable game message (four's moves), sent at once.
//!
//! A batched input keeps the `ack_tick` of **when it was sampled**: the
//! world its `hitscan` aimed at. That ages no baseline, since the server
//! takes the newest acknowledgement it hears and the last input of a batch
//! is sampled just before it is sent. Inputs still waiting for their batch
//! at a chaos drop are lost with the connection, like those in flight:
//! `seq` jumps past them (the server only needs it to grow), and
//! prediction and ack timing already treat every input sampled before a
//! drop as uncertain.

use rallypoint_shared::{ClientMsg, Input};

use super::Session;
use crate::games::BotGame;
use crate::outcome::FailReason;

impl<B: BotGame> Session<'_, B> {
    /// Asks the policy what to send this tick, and sends it (an input
    /// once its batch is full).
    pub(super) async fn on_tick(&mut self) -> Result<(), FailReason> {
        let ack_tick = self.acks.ack_tick();
        let next_seq = self.seq + 1;
        let tick = match self.game.lock() {
            Ok(mut game) => game.tick(next_seq, ack_tick),
            // The reader panicked; the bot is failing anyway.
            Err(_) => return Err(FailReason::Panicked),
        };
        match tick.input {
            Some(input) => {
                self.seq = next_seq;
                self.acks.record(self.seq, self.now_us());
                self.batch_hitscans += u64::from(input.hitscan);
                self.batch.push(Input {
                    seq: self.seq,
                    ack_tick,
                    payload: input.payload,
                });
                if self.batch.len() >= self.ctx.input_batch {
                    self.send_inputs().await?;
                }
            }
            None if ack_tick != 0 && ack_tick != self.last_ack => {
                self.send(&ClientMsg::Ack { tick: ack_tick }).await?;
                self.last_ack = ack_tick;
                self.acks_sent += 1;
            }
            None => {}
        }
        if let Some(msg) = tick.msg {
            self.send(&ClientMsg::Game(msg)).await?;
            self.game_msgs_sent += 1;
        }
        Ok(())
    }

    /// Sends the inputs waiting for their batch: one alone as `Input`,
    /// more as one `Inputs`, whose buffer is kept for the next batch.
    async fn send_inputs(&mut self) -> Result<(), FailReason> {
        let count = self.batch.len() as u64;
        let hitscans = std::mem::take(&mut self.batch_hitscans);
        let msg = match self.batch.len() {
            0 => return Ok(()),
            1 => ClientMsg::Input(self.batch.pop().expect("one input")),
            _ => ClientMsg::Inputs(std::mem::take(&mut self.batch)),
        };
        let sent = self.send(&msg).await;
        if let ClientMsg::Inputs(mut inputs) = msg {
            inputs.clear();
            self.batch = inputs;
        }
        sent?;
        self.inputs_sent += count;
        self.input_messages_sent += 1;
        self.hitscan_shots += hitscans;
        Ok(())
    }

    /// Forgets the inputs waiting for their batch (lost in a drop).
    pub(super) fn clear_batch(&mut self) {
        self.batch.clear();
        self.batch_hitscans = 0;
    }
}
