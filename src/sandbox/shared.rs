//! The state every request handler shares: the world behind a std `RwLock`
//! (never held across an await), the fault rules, the price book and the
//! persister.

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use serde_json::Value;

use super::context::Behaviour;
use super::errors::{ApiError, ApiResult};
use super::faults::{FaultConfig, FaultState};
use super::offers::PriceBook;
use super::persist::Persister;
use super::quotas::Quotas;
use super::world::World;
use crate::api::Code;

pub struct Shared {
    world: RwLock<World>,
    faults: Mutex<FaultState>,
    pub seed: u64,
    pub behaviour: Behaviour,
    pub book: PriceBook,
    pub persister: Option<Arc<Persister>>,
    pub max_body_bytes: usize,
    /// Google's per-minute buckets, when switched on.
    pub quotas: Option<Quotas>,
    /// Mutating Channel and Directory requests received, answered or not:
    /// what tests count to prove nothing was sent.
    pub mutations: std::sync::atomic::AtomicU64,
    /// Requests received per quota bucket (`customers.list`,
    /// `entitlements.list`, `operations.get`, `default`; Channel only),
    /// counted whether or not quotas are on: what tests count calls by.
    pub calls: Mutex<std::collections::BTreeMap<&'static str, u64>>,
}

/// Request-level limits: body size and quota window.
pub struct Limits {
    pub max_body_bytes: usize,
    pub quota_window: Option<std::time::Duration>,
}

impl Shared {
    pub fn new(
        world: World,
        faults: Option<FaultConfig>,
        behaviour: Behaviour,
        persister: Option<Arc<Persister>>,
        limits: Limits,
    ) -> Shared {
        let seed = world.seed;
        Shared {
            book: PriceBook::build(
                &world.account,
                world
                    .test_partner_domain
                    .as_ref()
                    .map(|_| crate::catalog::MAX_TRIAL_SEATS),
            ),
            world: RwLock::new(world),
            faults: Mutex::new(FaultState::new(faults, seed)),
            seed,
            behaviour,
            persister,
            max_body_bytes: limits.max_body_bytes,
            quotas: limits.quota_window.map(Quotas::new),
            mutations: Default::default(),
            calls: Default::default(),
        }
    }

    /// Runs a read-only handler.
    pub fn read<T>(&self, handler: impl FnOnce(&World) -> T) -> T {
        let world = self.world.read().unwrap_or_else(PoisonError::into_inner);
        handler(&world)
    }

    /// Runs a mutation and, when the world is persisted, answers only after
    /// a snapshot including it is on disk.
    pub async fn mutate(
        &self,
        handler: impl FnOnce(&mut World) -> ApiResult<Value>,
    ) -> ApiResult<Value> {
        self.mutate_if(|world| {
            let result = handler(world);
            let changed = result.is_ok();
            (result, changed)
        })
        .await
    }

    /// Runs a handler that may change the world or only bookkeeping (an
    /// operation poll); it says which. A change of a persisted world is
    /// logged (what it touched, not the world) and answered once durable.
    pub async fn mutate_if(
        &self,
        handler: impl FnOnce(&mut World) -> (ApiResult<Value>, bool),
    ) -> ApiResult<Value> {
        let (result, generation) = {
            let mut world = self.world.write().unwrap_or_else(PoisonError::into_inner);
            let (result, changed) = handler(&mut world);
            let generation = match (changed, &self.persister) {
                (true, Some(persister)) => {
                    let generation = persister.next_generation();
                    let line = world
                        .take_change(generation)
                        .map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
                    persister.enqueue(generation, line);
                    Some(generation)
                }
                _ => {
                    world.forget_change();
                    None
                }
            };
            (result, generation)
        };
        if let (Some(generation), Some(persister)) = (generation, &self.persister) {
            persister
                .wait_durable(generation)
                .await
                .map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
        }
        result
    }

    /// The whole world as a snapshot file holds it (with the last
    /// generation it includes).
    pub fn snapshot(&self) -> Result<Vec<u8>, String> {
        let world = self.world.read().unwrap_or_else(PoisonError::into_inner);
        serde_json::to_vec(&*world).map_err(|e| e.to_string())
    }

    /// The last change made to the world.
    pub fn generation(&self) -> u64 {
        self.read(|world| world.log_generation)
    }

    /// The world as `GET /sandbox/v1/world` shows it: without the token key,
    /// which would let anyone who can read it mint tokens.
    pub fn world_json(&self) -> Value {
        let mut value = self.read(|world| serde_json::to_value(world).unwrap_or(Value::Null));
        if let Value::Object(fields) = &mut value {
            fields.remove("tokenKey");
            fields.remove("logGeneration");
        }
        value
    }

    pub fn faults<T>(&self, handler: impl FnOnce(&mut FaultState) -> T) -> T {
        let mut faults = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        handler(&mut faults)
    }
}
