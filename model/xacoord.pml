/*
 * xacoord's two-phase commit, its recovery and the operator's forced decisions, as a
 * Promela model for spin. What is modelled, what is not, and why: docs/model.md. Run it
 * with model/check.
 *
 * One pay transaction with two branches: 0 = orders, 1 = payments. The coordinator may
 * crash at any step (at most MAXCRASH times) and starts again at once; each start is a new
 * run, numbered `epoch` as the decision log numbers them. The databases and the durable
 * part of the decision log outlive a crash; the coordinator's memory does not.
 *
 * The coordinator is one io_context thread whose coroutines interleave only where they
 * wait (co_await): each atomic block below is what one coroutine runs between two waits.
 * Their program counters are globals (e_pc, r_pc, f_pc), so a crash resets all of them in
 * one step. Processes: Env (the servers, the log's writer, crashes, the clock), Engine
 * (the pay), Recovery (start-up, then the orphan scan), Drive (phase-two retries on both
 * participants), Operators (forced decisions).
 *
 * Macros (spin -D...):
 *   OLD_FORCE        ForcedDecisions::force as coded before the fix (it can split a transaction);
 *                    without it, the fixed force of docs/model.md.
 *   MAXCRASH         coordinator crashes (default 1).
 *   MAXLOSS          sessions lost to a fault: KILL CONNECTION, a server restart
 *                    (default 1).
 *   KILL_MISS        start-up may miss a marked session of an earlier run (default 1):
 *                    its batch was still unread in the server's socket buffer when
 *                    start-up looked; the branch prepares after start-up listed the
 *                    server, an orphan for the scan.
 *   ONE_OPERATOR     only the operator who forces a commit (default: also one who forces
 *                    a rollback, at the same time).
 *   OPERATOR_AFTER_STARTUP  operators ask only once start-up recovery finished.
 *   SESSIONS_LINGER  a server never notices that a crashed run's session is gone (a host
 *                    crash, a partition); its prepared branch stays
 *                    attached and every XA COMMIT from recovery says XAER_NOTA. A model
 *                    the liveness property must fail.
 *   WITHOUT_MARK, WITHOUT_GATE, WITHOUT_SERIAL, WITHOUT_RECHECK
 *                    the fixed force with one of its four parts taken out (mutants).
 *   CARELESS_OPERATOR  operators force a commit even when a branch is not listed
 *                    prepared (docs/recovery.md says not to).
 *   ALL_LISTED       the fixed force also refuses a commit, without a logged decision,
 *                    unless every participant lists a prepared branch (an option).
 */

#ifndef MAXCRASH
#define MAXCRASH 1
#endif
#ifndef MAXLOSS
#define MAXLOSS 1
#endif
#ifndef KILL_MISS
#define KILL_MISS 1
#endif

#ifdef OPERATOR_AFTER_STARTUP
#define OPERATOR_WAITS 1
#else
#define OPERATOR_WAITS 0
#endif

/* The parts of the fixed force (docs/model.md), each of which a mutant takes out. */
#if defined(OLD_FORCE) || defined(WITHOUT_MARK)
#define MARKED false
#else
#define MARKED (mark > 0)
#endif
#ifdef WITHOUT_GATE
#define GATE true
#define GATE_ON 0
#else
#define GATE recovered
#define GATE_ON 1
#endif
#ifdef OLD_FORCE
#define MARK_DONE skip
#else
#define MARK_DONE mark--
#endif
#ifdef WITHOUT_SERIAL
#define SERIAL true
#else
#define SERIAL (mark == 0)
#endif
#ifdef WITHOUT_RECHECK
#define RECHECK true
#else
#define RECHECK (force_ok(c, reg) && reg == f_known[f])
#endif
/* Optional: a forced commit without a logged decision needs a prepared branch on every
 * participant (in xacoord every prepared transaction has one on each). */
#ifdef ALL_LISTED
#define LISTED_ENOUGH(c, l) (!c || d_open || l == 3)
#else
#define LISTED_ENOUGH(c, l) true
#endif
/* A mutant breaks what the fixed force asserts about itself; let it run on to what the
 * properties see. */
#if defined(WITHOUT_MARK) || defined(WITHOUT_GATE) || defined(WITHOUT_SERIAL) || defined(WITHOUT_RECHECK)
#define FORCE_ASSERT(e) skip
#else
#define FORCE_ASSERT(e) assert(e)
#endif

/* Names for the printed trail (spin -t), never stored. */
mtype = { orders, payments, both, decision, finished, forced_commit, forced_rollback }
#define BR(i) (i == 0 -> orders : payments)
#define MASK(m) (m == 1 -> orders : (m == 2 -> payments : both))
#define REC(t) (t == R_COMMIT -> decision : (t == R_FIN -> finished : \
                (t == R_HC -> forced_commit : forced_rollback)))

/* XA state of a branch on its server. */
#define X_NONE       0
#define X_ACTIVE     1
#define X_IDLE       2
#define X_PREPARED   3
#define X_COMMITTED  4
#define X_ROLLEDBACK 5

/* State of a Transaction object in the coordinator's memory (protocol/states.h). */
#define T_NONE       0
#define T_ACTIVE     1
#define T_PREPARING  2
#define T_COMMITTING 3
#define T_COMMITTED  4
#define T_ABORTING   5
#define T_ABORTED    6
#define final(s) ((s) == T_COMMITTED || (s) == T_ABORTED)

/* Decision-log records (protocol/log_record.h). */
#define R_COMMIT 1 /* CommitDecision, from the engine */
#define R_FIN    2 /* FinishedRecord */
#define R_HC     3 /* HeuristicRecord, commit */
#define R_HR     4 /* HeuristicRecord, rollback */

/* Who waits for a record's fsync. */
#define W_NONE   0
#define W_ENGINE 1
#define W_FORCE0 2 /* + the force's index */

/* Answers of a prepare batch. */
#define REP_NONE 0
#define REP_OK   1
#define REP_ERR  2 /* a statement failed; the session lives */
#define REP_LOST 3 /* the session was lost: the branch may be prepared */

#define NOBJ 6   /* Transaction objects per run: the engine's (0) and adopted ones */
#define NONE 255
#define QLEN 6

/* ---- the databases: outlive coordinator crashes ---- */
byte xa[2];        /* XA state of each branch */
bit  s_alive[2];   /* the session that started the branch is connected and holds it */
byte s_run[2];     /* the run that opened that session */
bit  s_batch[2];   /* a prepare batch was sent on it and the server has not run it yet */
byte losses;       /* sessions lost to faults so far */

/* ---- the decision log: the state its fsynced records give ---- */
bit  d_open;       /* must_commit: an open commit decision (or forced commit) */
byte d_br;         /* the branches of that decision (bit mask) */
byte d_heur;       /* operator's record: 0 none, 1 commit, 2 rollback */
chan q = [QLEN] of { byte, byte, byte }; /* appended, not fsynced yet: type, mask, waiter */

/* ---- the world ---- */
byte epoch = 1;    /* the coordinator's current run */
byte crashes;
bit  began;        /* the pay has begun (one pay over all runs) */
bit  acked;        /* its client was answered 200 */
bit  issued[2];    /* each operator gets one forced decision past the checks */
bit  g_hc, g_hr;   /* a forced commit / rollback was ever durable (ghosts: never reset) */

/* ---- the coordinator's memory: lost at each crash ---- */
byte o_st[NOBJ];   /* Transaction objects: state */
byte o_pend[NOBJ]; /* their branches with recovery */
bit  o_forced[NOBJ];
byte reg = NONE;   /* TransactionTable: the object the transaction's id maps to */
byte wk[2];        /* recovery work per participant: bit k = object k has its branch here */
byte sus[2];       /* orphan suspects: 0 no, 1 seen, 2 seen and the grace has elapsed */
bit  recovered;    /* start-up recovery finished: /healthz ready */
bit  lack[4];      /* fsync done, per waiter */
byte rep[2];       /* answers of the prepare batches */
byte mark;         /* fixed force: forces in progress; while > 0 scan and start-up skip it */

/* coroutine program counters and their locals */
byte e_pc;                   /* engine */
bit  e_d0, e_d1, e_e0, e_e1; /* engine: commit sent, commit failed, per branch */
byte r_pc;                   /* start-up recovery, then the orphan scan */
byte r_open, r_br, r_heur, r_lst, r_a1 = NONE, r_a2 = NONE;
bit  r_sl[2];                /* the scan listed the branch; its decision is to come */
byte f_pc[2];                /* forced decisions */
byte f_known[2] = NONE;
byte f_l[2];

#define E_IDLE      0
#define E_STARTED   1
#define E_PREPARING 2
#define E_DECIDING  3
#define E_COMMIT    4
#define E_ANSWER    5
#define E_DONE      6

#define R_READ  0
#define R_LIST0 1
#define R_LIST1 2
#define R_ADOPT 3
#define R_WAIT  4
#define R_SCAN  5

#define F_IDLE   0
#define F_LIST0  1
#define F_LIST1  2
#define F_APPEND 3
#define F_WAIT   4
#define F_DONE   5

/* ---------------------------------------------------------------- properties */

#define split ((xa[0] == X_COMMITTED && xa[1] == X_ROLLEDBACK) || \
               (xa[0] == X_ROLLEDBACK && xa[1] == X_COMMITTED))
#define anyprepared (xa[0] == X_PREPARED || xa[1] == X_PREPARED)
#define bothcommitted (xa[0] == X_COMMITTED && xa[1] == X_COMMITTED)

/* (a) never one branch committed and the other rolled back */
ltl atomicity { [] !split }
/* (b) an acknowledged pay is never rolled back ... */
ltl ack_kept { [] (acked -> (xa[0] != X_ROLLEDBACK && xa[1] != X_ROLLEDBACK)) }
/* ... and ends committed on both */
ltl ack_done { [] (acked -> <> bothcommitted) }
/* (c) no branch stays prepared forever */
ltl no_stuck { <> [] !anyprepared }
/* (d) never a forced commit and a forced rollback of the transaction both logged */
ltl one_forced_decision { [] !(g_hc && g_hr) }

/* ---------------------------------------------------------------- helpers */

/* The server ends a session: an unprepared branch rolls back, a prepared one detaches. */
inline die(d_i) {
  s_alive[d_i] = 0;
  s_batch[d_i] = 0;
  s_run[d_i] = 0; /* a dead session's run no longer matters */
  if
  :: xa[d_i] == X_ACTIVE || xa[d_i] == X_IDLE -> xa[d_i] = X_ROLLEDBACK
  :: else -> skip
  fi
}

/* The branch's own session finishes it (XA COMMIT, XA ROLLBACK): the session goes back to
 * the pool and holds no branch any more. */
inline finish_on_session(fs_i, fs_x) {
  xa[fs_i] = fs_x;
  s_alive[fs_i] = 0;
  s_run[fs_i] = 0
}

inline append(ap_t, ap_m, ap_w) {
  assert(nfull(q));
  q!ap_t, ap_m, ap_w
}

/* DecisionState::apply (protocol/decision_state.cc) */
inline apply(ay_t, ay_m) {
  if
  :: ay_t == R_COMMIT -> d_open = 1; d_br = ay_m
  :: ay_t == R_FIN -> d_open = 0; d_br = 0; d_heur = 0
  :: ay_t == R_HC -> d_heur = 1; g_hc = 1;
     if
     :: !d_open -> d_open = 1; d_br = ay_m
     :: else -> skip
     fi
  :: ay_t == R_HR -> d_heur = 2; g_hr = 1
  fi
}

/* PhaseTwoRetry::adopt: a new Transaction object, registered under the id (replacing what the
 * table held), each of its branches queued for phase two. */
inline adopt(a_c, a_m, a_f, a_k) {
  a_k = 1;
  do
  :: a_k < NOBJ && o_st[a_k] != T_NONE -> a_k++
  :: a_k < NOBJ && o_st[a_k] == T_NONE -> break
  :: a_k == NOBJ -> assert(false) /* more objects than the bound */
  od;
  o_st[a_k] = (a_c -> T_COMMITTING : T_ABORTING);
  o_forced[a_k] = a_f;
  o_pend[a_k] = 0;
  if
  :: (a_m & 1) -> wk[0] = wk[0] | (1 << a_k); o_pend[a_k]++
  :: else -> skip
  fi;
  if
  :: (a_m & 2) -> wk[1] = wk[1] | (1 << a_k); o_pend[a_k]++
  :: else -> skip
  fi;
  assert(o_pend[a_k] > 0);
  reg = a_k
}

/* PhaseTwoRetry::completed, Transaction::branch_done; FINISHED once the object is final
 * if it is recorded (a commit, or forced: TransactionTable::finished) */
inline completed(c_p, c_k, c_c) {
  wk[c_p] = wk[c_p] & (255 - (1 << c_k));
  o_pend[c_k]--;
  if
  :: o_pend[c_k] == 0 ->
     o_st[c_k] = (c_c -> T_COMMITTED : T_ABORTED);
     if
     :: c_c || o_forced[c_k] -> append(R_FIN, 0, W_NONE)
     :: else -> skip
     fi
  :: else -> skip
  fi
}

/* ---------------------------------------------------------------- crashes */

/* The coordinator crashes (kill -9, a host crash) and starts again at once. */
inline crash() {
  crashes++;
  epoch++;
  printf("MSC: *** the coordinator crashes; run %d starts\n", epoch);
  /* records written but not fsynced: a prefix may survive (the torn tail is cut) */
  do
  :: nempty(q) -> q?t, m, w; apply(t, m)
  :: true -> break
  od;
  do
  :: nempty(q) -> q?t, m, w
  :: empty(q) -> break
  od;
  for (t : 0 .. NOBJ - 1) { o_st[t] = T_NONE; o_pend[t] = 0; o_forced[t] = 0 }
  t = 0; m = 0; w = 0;
  reg = NONE; wk[0] = 0; wk[1] = 0; sus[0] = 0; sus[1] = 0;
  recovered = 0; lack[0] = 0; lack[1] = 0; lack[2] = 0; lack[3] = 0;
  rep[0] = REP_NONE; rep[1] = REP_NONE; mark = 0;
  /* every coroutine starts again from the top */
  e_pc = E_IDLE; e_d0 = 0; e_d1 = 0; e_e0 = 0; e_e1 = 0;
  r_pc = R_READ; r_open = 0; r_br = 0; r_heur = 0; r_lst = 0; r_a1 = NONE; r_a2 = NONE;
  r_sl[0] = 0; r_sl[1] = 0;
  f_pc[0] = F_IDLE; f_pc[1] = F_IDLE; f_known[0] = NONE; f_known[1] = NONE;
  f_l[0] = 0; f_l[1] = 0
}

/* ---------------------------------------------------------------- the servers and the disk */

/* A prepare batch runs on the server: XA START, the statements, XA END, XA PREPARE. */
inline run_batch(rb_i) {
  s_batch[rb_i] = 0;
  if
  :: xa[rb_i] = X_PREPARED; t = REP_OK;
     printf("MSC: %e server runs the batch of run %d: prepared\n", BR(rb_i), s_run[rb_i])
  :: xa[rb_i] = (rb_i == 0 -> X_IDLE : X_ACTIVE); t = REP_ERR;
     printf("MSC: %e server runs the batch of run %d: it fails\n", BR(rb_i), s_run[rb_i])
     /* orders: XA PREPARE fails after XA END; payments: the debit fails (no funds). Either
      * way the branch is not prepared and rolls back with its session. */
  fi;
  if
  :: s_run[rb_i] == epoch -> rep[rb_i] = t
  :: else -> skip /* its coordinator is gone: nobody reads the answer */
  fi;
  t = 0
}

/* A session of a live client is lost (KILL CONNECTION, the server restarts): a batch in
 * flight ran before the loss, or never; its client hears of the loss. */
inline lose(l_i) {
  losses++;
  printf("MSC: fault: the %e session is lost\n", BR(l_i));
  if
  :: s_batch[l_i] ->
     if
     :: xa[l_i] = X_PREPARED;
        printf("MSC: (its batch had run: %e prepared)\n", BR(l_i))
     :: skip
     fi;
     rep[l_i] = REP_LOST
  :: else -> skip
  fi;
  die(l_i)
}

/* What happens without the coordinator's say: the servers run batches already sent, end
 * sessions whose client is gone, lose sessions to faults; the log's writer fsyncs; the
 * coordinator crashes; time passes for the orphan grace. */
active proctype Env() {
  byte t, m, w;
end:
  do
  :: atomic { s_alive[0] && s_batch[0] -> run_batch(0) }
  :: atomic { s_alive[1] && s_batch[1] -> run_batch(1) }
  /* the server notices that a session's client (a crashed run) is gone, and ends it */
#ifndef SESSIONS_LINGER
  :: atomic { s_alive[0] && !s_batch[0] && s_run[0] != epoch -> die(0);
              printf("MSC: orders server ends the session of the crashed run\n") }
  :: atomic { s_alive[1] && !s_batch[1] && s_run[1] != epoch -> die(1);
              printf("MSC: payments server ends the session of the crashed run\n") }
#endif
  /* faults */
  :: atomic { losses < MAXLOSS && s_alive[0] && s_run[0] == epoch -> lose(0) }
  :: atomic { losses < MAXLOSS && s_alive[1] && s_run[1] == epoch -> lose(1) }
  /* the log's writer: the head record is fsynced, its waiter woken (group commit) */
  :: atomic {
       nempty(q) -> q?t, m, w; apply(t, m);
       printf("MSC: log: %e record durable\n", REC(t));
       if
       :: w != W_NONE -> lack[w] = 1
       :: else -> skip
       fi;
       t = 0; m = 0; w = 0
     }
  /* the coordinator crashes, at most MAXCRASH times, at any step */
  :: atomic { crashes < MAXCRASH -> crash() }
  /* the orphan grace elapses for a suspect */
  :: atomic { sus[0] == 1 -> sus[0] = 2; printf("MSC: orphan grace elapses for orders\n") }
  :: atomic { sus[1] == 1 -> sus[1] = 2; printf("MSC: orphan grace elapses for payments\n") }
  od
}

/* ---------------------------------------------------------------- the engine */

/* The engine's XA ROLLBACK of branch rw_i whose session is gone. After a lost answer
 * (REP_LOST) the lane has closed that session and reconnects: on the fresh session XA
 * ROLLBACK finishes a prepared branch (detached now); anything else answers XAER_NOTA.
 * After a loss it has not seen yet, the statement fails on the dead session. A failure
 * hands a (maybe) prepared branch to recovery; an unprepared one rolled back with its
 * session. */
inline rollback_without_session(rw_i) {
  if
  :: rep[rw_i] == REP_LOST && xa[rw_i] == X_PREPARED -> xa[rw_i] = X_ROLLEDBACK
  :: rep[rw_i] == REP_LOST && xa[rw_i] != X_PREPARED -> wk[rw_i] = wk[rw_i] | 1; o_pend[0]++
  :: rep[rw_i] == REP_OK -> wk[rw_i] = wk[rw_i] | 1; o_pend[0]++
  :: rep[rw_i] == REP_ERR -> skip
  fi
}

/* TwoPhaseCommit (coordinator/engine/two_phase_commit.cc) running the pay
 * (XaArchitecture::pay_in, coordinator/architectures/xa/xa_architecture.cc). */
active proctype Engine() {
end:
  do
  /* begin: the pay route waits for start-up recovery; one pay over all runs */
  :: atomic {
       e_pc == E_IDLE && recovered && !began ->
       began = 1; o_st[0] = T_ACTIVE; reg = 0;
       /* enlist orders; XA START + SELECT ... FOR UPDATE, one round trip */
       s_alive[0] = 1; s_run[0] = epoch; xa[0] = X_ACTIVE;
       e_pc = E_STARTED;
       printf("MSC: engine: orders branch started, order row locked\n")
     }
  /* enlist payments (its XA START travels with its batch). prepare_all: crash point
   * before_prepare; each branch's last statements, XA END and XA PREPARE, all at once */
  :: atomic {
       e_pc == E_STARTED ->
       s_alive[1] = 1; s_run[1] = epoch;
       o_st[0] = T_PREPARING;
       if
       :: s_alive[0] -> s_batch[0] = 1
       :: else -> rep[0] = REP_LOST /* its session was lost: the send fails at once */
       fi;
       s_batch[1] = 1;
       e_pc = E_PREPARING;
       printf("MSC: engine: both prepare batches sent\n")
     }
  /* run_parallel answers once every branch has. All prepared: the decision is appended
   * (crash point after_prepare_all before it). Else rollback: XA END + XA ROLLBACK, or XA
   * ROLLBACK, on each branch's own session at once; a branch whose session is gone goes
   * to recovery if it is (maybe) prepared, the rest rolled back with the session. */
  :: atomic {
       e_pc == E_PREPARING && rep[0] != REP_NONE && rep[1] != REP_NONE ->
       if
       :: rep[0] == REP_OK && rep[1] == REP_OK ->
          append(R_COMMIT, 3, W_ENGINE);
          e_pc = E_DECIDING;
          printf("MSC: engine: both prepared; decision appended\n")
       :: else ->
          o_st[0] = T_ABORTING;
          if
          :: s_alive[0] ->
             assert(xa[0] == X_ACTIVE || xa[0] == X_IDLE || xa[0] == X_PREPARED);
             finish_on_session(0, X_ROLLEDBACK)
          :: else -> rollback_without_session(0)
          fi;
          if
          :: s_alive[1] ->
             assert(xa[1] == X_ACTIVE || xa[1] == X_IDLE || xa[1] == X_PREPARED);
             finish_on_session(1, X_ROLLEDBACK)
          :: else -> rollback_without_session(1)
          fi;
          if
          :: o_pend[0] == 0 -> o_st[0] = T_ABORTED
          :: else -> skip /* recovery finishes it */
          fi;
          e_pc = E_DONE;
          printf("MSC: engine: rolled back; client answered with an error\n")
       fi;
       rep[0] = REP_NONE; rep[1] = REP_NONE
     }
  /* the decision is durable: point of no return */
  :: atomic {
       e_pc == E_DECIDING && lack[W_ENGINE] ->
       lack[W_ENGINE] = 0; o_st[0] = T_COMMITTING; e_pc = E_COMMIT;
       printf("MSC: engine: decision durable\n")
     }
  /* commit_all: crash point after_decision_logged; XA COMMIT on each branch's own
   * session, at once */
  :: atomic {
       e_pc == E_COMMIT && !e_d0 -> e_d0 = 1;
       if
       :: s_alive[0] -> assert(xa[0] == X_PREPARED); finish_on_session(0, X_COMMITTED)
       :: else -> e_e0 = 1
       fi
     }
  :: atomic {
       e_pc == E_COMMIT && !e_d1 -> e_d1 = 1;
       if
       :: s_alive[1] -> assert(xa[1] == X_PREPARED); finish_on_session(1, X_COMMITTED)
       :: else -> e_e1 = 1
       fi
     }
  /* a branch that failed goes to recovery; all committed: FINISHED (no fsync of its own) */
  :: atomic {
       e_pc == E_COMMIT && e_d0 && e_d1 ->
       if
       :: e_e0 -> wk[0] = wk[0] | 1; o_pend[0]++
       :: else -> skip
       fi;
       if
       :: e_e1 -> wk[1] = wk[1] | 1; o_pend[0]++
       :: else -> skip
       fi;
       if
       :: o_pend[0] == 0 -> append(R_FIN, 0, W_NONE); o_st[0] = T_COMMITTED
       :: else -> skip /* recovery finishes it */
       fi;
       e_d0 = 0; e_d1 = 0; e_e0 = 0; e_e1 = 0;
       e_pc = E_ANSWER
     }
  /* crash point after_commit_all; then the client hears 200 */
  :: atomic {
       e_pc == E_ANSWER -> acked = 1; e_pc = E_DONE;
       printf("MSC: engine: client answered 200\n")
     }
  od
}

/* ---------------------------------------------------------------- recovery */

/* One attempt of PhaseTwoRetry::drive on participant dp (attempt, then completed):
 * phase two of a queued branch from a session of recovery's own. Backoff and jitter are
 * abstracted away: any queued branch may be tried at any time. An attempt that gets
 * XAER_NOTA while XA RECOVER still lists the branch (attached to a session that lives)
 * changes nothing but a retry counter: it is no step here, the branch waits. */
inline attempt(dp) {
  wk[dp] != 0 && !(xa[dp] == X_PREPARED && s_alive[dp]) ->
  if
  :: (wk[dp] & 1) -> k = 0
  :: (wk[dp] & 2) -> k = 1
  :: (wk[dp] & 4) -> k = 2
  :: (wk[dp] & 8) -> k = 3
  :: (wk[dp] & 16) -> k = 4
  :: (wk[dp] & 32) -> k = 5
  fi;
  c = (o_st[k] == T_COMMITTING);
  assert(c || o_st[k] == T_ABORTING);
  if
  :: xa[dp] == X_PREPARED -> /* detached: XA COMMIT / XA ROLLBACK finishes it */
     xa[dp] = (c -> X_COMMITTED : X_ROLLEDBACK);
     if
     :: c -> printf("MSC: recovery commits %e (object %d)\n", BR(dp), k)
     :: else -> printf("MSC: recovery rolls back %e (object %d)\n", BR(dp), k)
     fi
  :: else -> skip /* XAER_NOTA and not listed: counted as done */
  fi;
  completed(dp, k, c);
  k = 0; c = 0
}

/* PhaseTwoRetry::drive, one loop per participant (one process: every step here ends a branch's
 * phase two, so neither loop can starve the other forever). */
active proctype Drive() {
  byte k;
  bit c;
end:
  do
  :: atomic { attempt(0) }
  :: atomic { attempt(1) }
  od
}

/* OrphanScan::scan for server p (branch mask m), after its XA RECOVER listed the
 * branch: skip it if a live transaction owns it (fixed: or a force has marked it); else
 * the two-scan rule: the first sighting makes it a suspect, a sighting after the grace
 * finishes it as the log says now (must_commit: commit; else presumed abort). */
inline scan_decide(sd_p, sd_m) {
  if
  :: (reg != NONE && !final(o_st[reg])) || MARKED -> sus[sd_p] = 0
  :: else ->
     if
     :: sus[sd_p] == 0 -> sus[sd_p] = 1;
        printf("MSC: orphan scan: %e is a suspect\n", BR(sd_p))
     :: sus[sd_p] == 1 -> skip
     :: sus[sd_p] == 2 -> sus[sd_p] = 0; adopt(d_open, sd_m, d_heur != 0, k);
        if
        :: d_open -> printf("MSC: orphan scan adopts a commit of %e\n", BR(sd_p))
        :: else -> printf("MSC: orphan scan adopts a rollback of %e\n", BR(sd_p))
        fi
     fi
  fi
}

/* start-up: kill the sessions of earlier runs still running a marked batch, then list */
inline kill_marked(km_i) {
  if
  :: s_alive[km_i] && s_batch[km_i] && s_run[km_i] != epoch -> die(km_i);
     printf("MSC: start-up kills the marked %e session\n", BR(km_i))
  :: KILL_MISS && s_alive[km_i] && s_batch[km_i] && s_run[km_i] != epoch ->
     printf("MSC: start-up misses the %e session (its batch not read yet)\n", BR(km_i))
  :: else -> skip
  fi
}

/* Coordinator::recover_then_serve: StartupRecovery::run, then OrphanScan::scan forever. */
active proctype Recovery() {
  byte k;
end:
  do
  /* StartupRecovery::run loads the decision store's state first */
  :: atomic { r_pc == R_READ -> r_open = d_open; r_br = d_br; r_heur = d_heur; r_pc = R_LIST0 }
  /* each server: kill the marked sessions of earlier runs, then XA RECOVER */
  :: atomic {
       r_pc == R_LIST0 -> kill_marked(0); r_lst = (xa[0] == X_PREPARED -> 1 : 0);
       r_pc = R_LIST1
     }
  :: atomic {
       r_pc == R_LIST1 -> kill_marked(1); r_lst = r_lst | (xa[1] == X_PREPARED -> 2 : 0);
       r_pc = R_ADOPT
     }
  /* open decisions are committed; listed branches without one are rolled back */
  :: atomic {
       r_pc == R_ADOPT ->
#ifndef OLD_FORCE
       assert(mark == 0 || !GATE_ON); /* forces are refused until start-up recovery finished */
#endif
       if
       :: r_open -> adopt(1, r_br, r_heur != 0, r_a1);
          printf("MSC: start-up adopts a commit of %e\n", MASK(r_br))
       :: else -> skip
       fi;
       k = (r_open -> 0 : r_lst);
       if
       :: k != 0 -> adopt(0, k, r_heur != 0, r_a2);
          printf("MSC: start-up adopts a rollback of %e\n", MASK(k))
       :: else -> skip
       fi;
       /* a forced rollback whose branches are all gone: its record is closed */
       if
       :: r_heur == 2 && k == 0 -> append(R_FIN, 0, W_NONE)
       :: else -> skip
       fi;
       k = 0; r_open = 0; r_br = 0; r_heur = 0; r_lst = 0;
       r_pc = R_WAIT
     }
  /* ready once everything it adopted is final */
  :: atomic {
       r_pc == R_WAIT && (r_a1 == NONE || final(o_st[r_a1])) &&
       (r_a2 == NONE || final(o_st[r_a2])) ->
       recovered = 1; r_a1 = NONE; r_a2 = NONE; r_pc = R_SCAN;
       printf("MSC: start-up recovery finished\n")
     }
  /* the scan, per server: XA RECOVER lists the branch; then, after that wait, the log's
   * state and the transaction table decide. The two servers' scans run independently here (in the
   * code one follows the other: a subset of these interleavings). A listing that shows
   * nothing only forgets the suspect, so it is one step, taken only when there is one. */
  :: atomic { r_pc == R_SCAN && !r_sl[0] && xa[0] == X_PREPARED -> r_sl[0] = 1 }
  :: atomic { r_pc == R_SCAN && r_sl[0] -> scan_decide(0, 1); r_sl[0] = 0; k = 0 }
  :: atomic { r_pc == R_SCAN && !r_sl[0] && xa[0] != X_PREPARED && sus[0] != 0 -> sus[0] = 0 }
  :: atomic { r_pc == R_SCAN && !r_sl[1] && xa[1] == X_PREPARED -> r_sl[1] = 1 }
  :: atomic { r_pc == R_SCAN && r_sl[1] -> scan_decide(1, 2); r_sl[1] = 0; k = 0 }
  :: atomic { r_pc == R_SCAN && !r_sl[1] && xa[1] != X_PREPARED && sus[1] != 0 -> sus[1] = 0 }
  od
}

/* ---------------------------------------------------------------- forced decisions */

/* The checks ForcedDecisions::force makes on the store's state and the table's entry kn. True:
 * go on and list the servers. False: answered at once, refused (live here; contradicts a
 * logged decision, an earlier force, or an abort here) or "recovery is already doing it;
 * retrying now", which logs nothing. Either way nothing changes, so a request that fails
 * them is no step of the model at all. */
#define live(kn)     (kn != NONE && !final(o_st[kn]) && o_pend[kn] == 0)
#define in_doubt(kn) (kn != NONE && o_pend[kn] > 0)
#define force_ok(c, kn) \
  (!live(kn) && !in_doubt(kn) && \
   !(!c && (d_open || (kn != NONE && (o_st[kn] == T_COMMITTING || o_st[kn] == T_COMMITTED)))) && \
   !(c && kn != NONE && (o_st[kn] == T_ABORTING || o_st[kn] == T_ABORTED)) && \
   !(d_heur != 0 && d_heur != (c -> 1 : 2)))

/* The operator forces a decision of the transaction while a server lists a branch of it
 * prepared; a commit only as docs/recovery.md allows it: every branch listed prepared, or
 * a commit decision logged. */
#ifdef CARELESS_OPERATOR
#define COMMIT_ALLOWED(c) true
#else
#define COMMIT_ALLOWED(c) (!c || (xa[0] == X_PREPARED && xa[1] == X_PREPARED) || d_open)
#endif
#define operator_asks(f, c) \
  (!issued[f] && (xa[0] == X_PREPARED || xa[1] == X_PREPARED) && COMMIT_ALLOWED(c) && \
   (recovered || !OPERATOR_WAITS))

/* One step of ForcedDecisions::force requested by operator f, who forces a commit (f = 0, c = 1)
 * or a rollback (f = 1, c = 0); f_pc[f] says where the request is. */
inline force_step(f, c) {
  if
#ifdef OLD_FORCE
  /* As coded: admin routes are served from the start; checked once, then it waits (XA
   * RECOVER on each server, the fsync of its record), then adopts. */
  :: f_pc[f] == F_IDLE && operator_asks(f, c) && force_ok(c, reg) ->
     issued[f] = 1; f_pc[f] = F_LIST0;
     if
     :: c -> printf("MSC: operator forces a commit: accepted\n")
     :: else -> printf("MSC: operator forces a rollback: accepted\n")
     fi
#else
  /* Fixed: refused until start-up recovery finished and while another force runs; else
   * the checks, and the mark, before the first wait. */
  :: f_pc[f] == F_IDLE && operator_asks(f, c) && GATE && SERIAL && force_ok(c, reg) ->
     issued[f] = 1; mark++; f_known[f] = reg; f_pc[f] = F_LIST0;
     if
     :: c -> printf("MSC: operator forces a commit: accepted, marked\n")
     :: else -> printf("MSC: operator forces a rollback: accepted, marked\n")
     fi
#endif
  /* XA RECOVER on each server, one wait each */
  :: f_pc[f] == F_LIST0 -> f_l[f] = (xa[0] == X_PREPARED -> 1 : 0); f_pc[f] = F_LIST1
  :: f_pc[f] == F_LIST1 -> f_l[f] = f_l[f] | (xa[1] == X_PREPARED -> 2 : 0); f_pc[f] = F_APPEND
  /* append the operator's record (HeuristicRecord) */
  :: f_pc[f] == F_APPEND ->
#ifdef OLD_FORCE
     if
     :: f_l[f] != 0 ->
        append((c -> R_HC : R_HR), f_l[f], W_FORCE0 + f); f_pc[f] = F_WAIT;
        printf("MSC: force: record appended for %e\n", MASK(f_l[f]))
     :: else -> f_l[f] = 0; f_pc[f] = F_DONE /* no server holds a prepared branch */
     fi
#else
     /* the re-check after the last wait, before anything is logged */
     FORCE_ASSERT(mark > 0);
     if
     :: RECHECK && f_l[f] != 0 && LISTED_ENOUGH(c, f_l[f]) ->
        append((c -> R_HC : R_HR), f_l[f], W_FORCE0 + f); f_pc[f] = F_WAIT;
        printf("MSC: force: re-checked; record appended for %e\n", MASK(f_l[f]))
     :: else ->
        MARK_DONE; f_known[f] = NONE; f_l[f] = 0; f_pc[f] = F_DONE;
        printf("MSC: force: refused at the re-check\n")
     fi
#endif
  /* the record is durable: adopt it */
  :: f_pc[f] == F_WAIT && lack[W_FORCE0 + f] ->
     lack[W_FORCE0 + f] = 0;
#ifndef OLD_FORCE
     /* nothing can have moved while marked: anything else is a bug (abort loudly) */
     FORCE_ASSERT(mark > 0 && reg == f_known[f]);
#endif
     adopt(c, f_l[f], 1, k);
     if
     :: c -> printf("MSC: force: record durable; adopts a commit of %e\n", MASK(f_l[f]))
     :: else -> printf("MSC: force: record durable; adopts a rollback of %e\n", MASK(f_l[f]))
     fi;
     MARK_DONE; f_known[f] = NONE; f_l[f] = 0; k = 0; f_pc[f] = F_DONE
  fi
}

/* The operators, one process: every step is progress of one request. */
active proctype Operators() {
  byte k;
end:
  do
  :: atomic { force_step(0, 1) }
#ifndef ONE_OPERATOR
  :: atomic { force_step(1, 0) }
#endif
  od
}
