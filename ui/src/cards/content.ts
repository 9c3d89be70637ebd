// The six learning cards of the pay-vs-cancel problem (docs/dashboard.md), in the
// project's own words: what each idea is, and how xacoord applies it. Each names the
// actions (actions.ts) that show it happening on this coordinator.
import { Text } from '../lib/i18n';

export interface Card {
  id: string;
  category: Text;
  title: Text;
  question: Text;
  answer: Text;
  terms: Text;
  actions: string[]; // ids in actions.ts
}

export const CARDS: Card[] = [
  {
    id: 'xa',
    category: { zh: '机制', en: 'Mechanism' },
    title: { zh: '事务与 XA', en: 'Transactions and XA' },
    question: {
      zh: '支付和取消几乎同时到达时，为什么每个操作都必须作为一个完整的事务执行？',
      en: 'When a pay and a cancel arrive almost together, why must each run as one whole transaction?',
    },
    answer: {
      zh: '一次支付要改两台数据库：在支付库里扣款并记下一笔 CAPTURED 付款，在订单库里把订单从 PENDING 改成 PAID。'
        + 'xacoord 用 XA 两阶段提交把这两处改动绑成一个整体：先让两个分支都 PREPARE，再把"提交"这个决定写进落盘的决策日志，'
        + '最后逐个 COMMIT。中途无论哪一方崩溃，恢复程序都按日志把每个悬而未决的分支推到同一个结局：两处都生效，或者两处都不生效。',
      en: 'A pay changes two databases: it debits the account and records a CAPTURED payment in one, and moves the order '
        + 'from PENDING to PAID in the other. xacoord binds both changes into one unit with XA two-phase commit: both '
        + 'branches PREPARE, the decision to commit is written to a decision log on disk, and then each branch COMMITs. '
        + 'Whatever crashes in between, recovery reads the log and drives every in-doubt branch to the same end: both '
        + 'changes happen, or neither does.',
    },
    terms: { zh: '事务 · 分布式事务 / XA · 两阶段提交', en: 'transaction · distributed transaction / XA · two-phase commit' },
    actions: ['xa-pay', 'slow-pay', 'crash'],
  },
  {
    id: 'async',
    category: { zh: '模式', en: 'Pattern' },
    title: { zh: '异步处理与补偿', en: 'Async processing and compensation' },
    question: {
      zh: '为什么常用消息队列让支付和取消彼此解耦？异步的某一步失败了又该怎么办？',
      en: 'Why decouple pay and cancel through a message queue, and what if an asynchronous step fails?',
    },
    answer: {
      zh: '异步处理让每个本地事务都很短：先在一处提交，再发一条消息让另一处跟进，锁和连接很快就能释放。'
        + '代价是中间有一段"只做了一半"的时间。如果后一步做不成（比如订单在此期间已被取消），就要执行一个反向的补偿动作，'
        + '撤回前一步的效果，例如退款。xacoord 的 outbox 与 saga 架构就是这样工作的；默认的 XA 架构则无需补偿：'
        + '失败的支付在两边一起回滚，什么都没有提交。',
      en: 'Asynchronous processing keeps every local transaction short: commit in one place, then send a message that '
        + 'makes the other place follow, so locks and connections are released quickly. The price is a stretch of time '
        + 'in which the work is half done. If the later step cannot happen (the order was cancelled meanwhile, say), a '
        + 'compensating action undoes the earlier one, such as a refund. xacoord\'s outbox and saga architectures work '
        + 'this way; its default XA architecture needs no compensation: a failed pay rolls back on both sides together '
        + 'and nothing is committed.',
    },
    terms: { zh: '异步处理 · 消息队列 · 补偿', en: 'async processing · message queue · compensation' },
    actions: ['no-compensation', 'race-outbox'],
  },
  {
    id: 'idempotency',
    category: { zh: '特性', en: 'Property' },
    title: { zh: '幂等性', en: 'Idempotency' },
    question: {
      zh: '说支付和取消接口"幂等"，是什么意思？具体怎样做到？',
      en: 'What does it mean for the pay and cancel endpoints to be idempotent, and how is it done?',
    },
    answer: {
      zh: '幂等是说同一个请求执行一次和执行多次，效果完全一样。网络超时后客户端会重试；如果服务端把重试当成新请求，就可能扣两次钱、退两次款。'
        + 'xacoord 让客户端在 pay 和 cancel 上带一个 Idempotency-Key：这个键和第一次的答复，与业务结果在同一个 XA 事务里写进订单库。'
        + '之后同一个键、同一个请求直接拿回第一次的答复（带 Idempotent-Replayed: true），协调器崩溃重启之后也一样；同一个键换了请求则被拒绝（422）。',
      en: 'Idempotent means that doing a request once or many times has exactly the same effect. Clients retry after a '
        + 'timeout; a server that took the retry for a new request could charge twice or refund twice. xacoord lets the '
        + 'client send an Idempotency-Key with pay and cancel: the key and the first answer are written to the orders '
        + 'database in the same XA transaction as the outcome. The same request with the same key then gets the first '
        + 'answer back (with Idempotent-Replayed: true), also after the coordinator crashed and restarted; the same key '
        + 'on a different request is refused (422).',
    },
    terms: { zh: '幂等性 · 去重 · 重试', en: 'idempotency · deduplication · retries' },
    actions: ['same-key-twice', 'key-after-crash'],
  },
  {
    id: 'state-machine',
    category: { zh: '机制', en: 'Mechanism' },
    title: { zh: '订单状态机', en: 'The order state machine' },
    question: {
      zh: '订单状态是怎样防止"已经付款的订单被直接取消"的？',
      en: 'How does the order\'s state keep a paid order from simply being cancelled?',
    },
    answer: {
      zh: '订单只有三个状态：PENDING（待支付）、PAID（已支付）、CANCELLED（已取消）。每个操作都先在行锁下读出当前状态，再决定能否进行。'
        + '支付只接受 PENDING；取消 PENDING 订单就直接改为 CANCELLED；取消 PAID 订单则不是简单改状态，而是转成退款：'
        + '在同一个 XA 事务里把付款标成 REFUNDED，把钱退回账户。于是支付和取消赛跑只有两种结局：先付款、再取消并退款；或者先取消、支付被拒（409）。',
      en: 'An order has three states: PENDING, PAID and CANCELLED. Every operation first reads the current state under '
        + 'the row lock and only then decides whether it may go on. Pay accepts PENDING only; cancelling a PENDING order '
        + 'makes it CANCELLED; cancelling a PAID order is not a plain state change but a refund: in the same XA '
        + 'transaction the payment becomes REFUNDED and the money goes back to the account. So a pay racing a cancel can '
        + 'end only two ways: paid first, then cancelled and refunded; or cancelled first, and the pay refused (409).',
    },
    terms: { zh: '订单状态 · 行锁 · 状态转换', en: 'order state · row lock · state transitions' },
    actions: ['race', 'pay-cancelled', 'race-architecture'],
  },
  {
    id: 'eventual',
    category: { zh: '理论', en: 'Theory' },
    title: { zh: '最终一致性与退款', en: 'Eventual consistency and refunds' },
    question: {
      zh: '取消与支付并发时，"最终一致"体现在哪里？取消时发现订单已付款，系统该怎么做？',
      en: 'Where does eventual consistency show when a cancel and a pay overlap, and what should a cancel do when it finds the order paid?',
    },
    answer: {
      zh: '最终一致是说系统可以短暂地停在不一致的中间状态，但在有限时间内一定收敛到一致。订单和钱分在两台数据库里，'
        + '总有某个瞬间一边已经改了、另一边还没改；要紧的是这个窗口一定会关上。取消遇到已付款的订单时，必须让业务闭环：'
        + '退款并把订单标为已取消（xacoord 的做法），或者保留付款并明确告诉用户取消没有成功——绝不能出现订单已取消、钱却仍被扣着的情况。',
      en: 'Eventual consistency means the system may rest briefly in an inconsistent intermediate state, but settles '
        + 'into a consistent one within bounded time. With orders and money in two databases there is always an instant '
        + 'when one side has changed and the other not yet; what matters is that this window always closes. A cancel '
        + 'that finds the order paid must close the business loop: refund and mark the order cancelled (what xacoord '
        + 'does), or keep the payment and tell the user plainly that the cancel did not happen — never a cancelled order '
        + 'whose money is still taken.',
    },
    terms: { zh: '最终一致性 · 中间状态 · 退款', en: 'eventual consistency · intermediate state · refund' },
    actions: ['refund', 'saga-window'],
  },
  {
    id: 'monitoring',
    category: { zh: '技术', en: 'Technique' },
    title: { zh: '监控、告警与对账', en: 'Monitoring, alerting and reconciliation' },
    question: {
      zh: '除了核心业务逻辑，还需要哪些机制来保证订单系统健壮、数据准确？',
      en: 'Beyond the core logic, what else keeps an order system robust and its data right?',
    },
    answer: {
      zh: '两道安全网。一是监控与告警：实时盯住支付、取消、回滚、503 和悬而未决的分支，一旦有分支卡住、冲突或失败增多就告警，而不是等用户投诉。'
        + '二是对账：定期把订单库和支付库逐条核对——每个已支付订单恰好有一笔同金额的已扣款，每个账户的余额等于入账减去扣款——发现差异交给人来处理。'
        + 'xacoord 的 /metrics 为前者提供数据，xacoord reconcile 做后者。',
      en: 'Two safety nets. First, monitoring and alerting: watch pays, cancels, aborts, 503s and in-doubt branches as '
        + 'they happen, and raise an alert when a branch is stuck or conflicts and failures pile up, instead of waiting for '
        + 'a customer to complain. Second, reconciliation: regularly compare the orders database with the payments '
        + 'database row by row — every paid order has exactly one captured payment of its amount, every balance equals '
        + 'what was funded minus what was captured — and hand any difference to a person. xacoord\'s /metrics feeds the '
        + 'first; xacoord reconcile does the second.',
    },
    terms: { zh: '监控与告警 · 对账 · 人工处理', en: 'monitoring and alerting · reconciliation · manual repair' },
    actions: ['reconcile-demo', 'alarm-signals', 'reconcile-run', 'alerts'],
  },
];
