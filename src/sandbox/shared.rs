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
        let (result, generation) = {
            let mut world = self.world.write().unwrap_or_else(PoisonError::into_inner);
            let result = handler(&mut world);
            let generation = match (&result, &self.persister) {
                (Ok(_), Some(persister)) => Some(persister.mutated()),
                _ => None,
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

    /// Runs a handler that changes bookkeeping only (operation polls): no save.
    pub fn touch<T>(&self, handler: impl FnOnce(&mut World) -> T) -> T {
        let mut world = self.world.write().unwrap_or_else(PoisonError::into_inner);
        handler(&mut world)
    }

    /// The world as saved, stamped with the generation it includes.
    pub fn snapshot(&self) -> (u64, Result<Vec<u8>, String>) {
        let world = self.world.read().unwrap_or_else(PoisonError::into_inner);
        let generation = self.persister.as_ref().map_or(0, |p| p.current());
        (
            generation,
            serde_json::to_vec(&*world).map_err(|e| e.to_string()),
        )
    }

    pub fn world_json(&self) -> Value {
        self.read(|world| serde_json::to_value(world).unwrap_or(Value::Null))
    }

    pub fn faults<T>(&self, handler: impl FnOnce(&mut FaultState) -> T) -> T {
        let mut faults = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        handler(&mut faults)
    }
}
