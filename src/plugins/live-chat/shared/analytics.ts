/**
 * The analytics API's contract (admin API, /live-chat/analytics/...), for the server and the
 * console's Analytics page. Types only. Every endpoint takes the same query string:
 *
 *   from, to        YYYY-MM-DD (a whole day in `timeZone`; `to` included) or an ISO 8601 instant
 *                   (`to` excluded); default: the 30 days up to now
 *   timeZone        IANA zone of date-only bounds (default America/Sao_Paulo); daily figures use
 *                   each department's own zone
 *   departmentIds   "1,2": only these departments (default: every department the user may see)
 *   limit           groups or tags per department (demands; 1–50, default 10)
 *   page, pageSize  drill-down paging (pageSize 1–100, default 25)
 *   term            a demand group's key (drill-down, send to development)
 *
 * Refusals: 400 validation_failed (with `fields`), 403 not_serving_department, 404 not_found,
 * 409 webhook_not_configured, 502 webhook_failed.
 */
export namespace Analytics {
  export type ErrorCode = 'validation_failed' | 'not_serving_department' | 'not_found' | 'webhook_not_configured' | 'webhook_failed' | 'unauthorized';
  export interface Error {
    code: ErrorCode;
    message: string;
    fields?: Record<string, string>;
  }
  export interface ErrorResponse {
    error: Error;
  }

  export const STATUSES = ['waiting', 'active', 'closed', 'missed', 'left_message', 'answered'] as const;
  export type Status = (typeof STATUSES)[number];
  export type ByStatus = Record<Status, number>;

  export interface Range {
    from: string;
    to: string;
    previousFrom: string;
  }
  export interface DepartmentRef {
    departmentId: number;
    departmentName: string;
  }

  /** GET /analytics/volume */
  export namespace Volume {
    export interface DailyRow extends DepartmentRef, ByStatus {
      /** the department's local date, YYYY-MM-DD */
      day: string;
      total: number;
    }
    export interface DepartmentRow extends DepartmentRef, ByStatus {
      timeZone: string;
      total: number;
    }
    export interface Response {
      range: Range;
      daily: DailyRow[];
      departments: DepartmentRow[];
    }
  }

  export interface Percentiles {
    n: number;
    p50: number | null;
    p90: number | null;
    avg: number | null;
  }

  /** GET /analytics/service — durations in seconds */
  export namespace Service {
    export interface Row {
      /** null: all the selected departments together */
      departmentId: number | null;
      departmentName: string;
      chats: number;
      accepted: number;
      missed: number;
      leftMessages: number;
      /** missed / chats (0–1) */
      missedShare: number | null;
      /** (left_message + answered) / chats */
      leftShare: number | null;
      wait: Percentiles;
      firstReply: Percentiles;
      duration: Percentiles;
    }
    export interface Response {
      range: Range;
      rows: Row[];
    }
  }

  /** GET /analytics/hours — chats started per local weekday and hour */
  export namespace Hours {
    export interface Cell {
      /** 0 = Sunday … 6 = Saturday, in the department's zone */
      weekday: number;
      hour: number;
      chats: number;
    }
    export interface Response {
      range: Range;
      cells: Cell[];
    }
  }

  /** GET /analytics/agents */
  export namespace Agents {
    export interface Row {
      agentId: number;
      agentName: string;
      chats: number;
      closed: number;
      firstReply: Percentiles;
      rated: number;
      ratingAvg: number | null;
    }
    export interface Response {
      range: Range;
      rows: Row[];
    }
  }

  export interface Trend {
    previous: number;
    change: number;
    changeRatio: number | null;
    direction: 'up' | 'down' | 'flat' | 'new';
  }

  /** GET /analytics/demands */
  export namespace Demands {
    export interface Tag {
      tag: string;
      count: number;
      trend: Trend;
    }
    export interface Example {
      chatId: number;
      question: string;
      status: Status;
      queuedAt: string;
    }
    export interface Group {
      term: string;
      kind: 'word' | 'phrase';
      title: string;
      count: number;
      trend: Trend;
      variants: string[];
      examples: Example[];
    }
    export interface DepartmentDemands extends DepartmentRef {
      chats: number;
      tags: Tag[];
      groups: Group[];
    }
    export interface Response {
      range: Range;
      departments: DepartmentDemands[];
    }
  }

  /** GET /analytics/demands/chats?term=…&departmentIds=… — the chats of a group */
  export namespace DemandChats {
    export interface Response {
      range: Range;
      term: string;
      data: Demands.Example[];
      pagination: { page: number; pageSize: number; total: number; pageCount: number };
    }
  }

  /** GET /analytics/satisfaction — ratings 1–5 given after the chat */
  export namespace Satisfaction {
    export interface Row {
      rated: number;
      avg: number | null;
      /** counts of ratings 1 … 5 */
      distribution: [number, number, number, number, number];
    }
    export interface Response {
      range: Range;
      departments: (Row & DepartmentRef)[];
      agents: (Row & { agentId: number; agentName: string })[];
    }
  }

  /** GET /analytics/export/:table — text/csv */
  export const TABLES = [
    'volume-daily',
    'volume-departments',
    'service',
    'hours',
    'agents',
    'tags',
    'demands',
    'satisfaction-departments',
    'satisfaction-agents',
  ] as const;
  export type Table = (typeof TABLES)[number];

  /** POST /analytics/demands/send, body { departmentId, term, from?, to?, timeZone? } */
  export namespace SendToDevelopment {
    export interface Request {
      departmentId: number;
      term: string;
      from?: string;
      to?: string;
      timeZone?: string;
    }
    /** what the webhook receives (JSON) */
    export interface Payload {
      source: 'live-chat';
      kind: 'recurring-demand';
      department: string;
      title: string;
      term: string;
      count: number;
      trend: Trend;
      range: Range;
      variants: string[];
      examples: Demands.Example[];
      sentBy: string;
      sentAt: string;
    }
    export interface Response {
      ok: true;
      webhookStatus: number;
      payload: Payload;
    }
  }
}
