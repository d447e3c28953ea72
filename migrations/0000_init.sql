CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"params" jsonb NOT NULL,
	"result" jsonb,
	"ok" boolean NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dead_letters" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"partition" integer NOT NULL,
	"offset" bigint NOT NULL,
	"key" text,
	"value" text,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retried_at" timestamp with time zone,
	"retry_count" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"partition" integer NOT NULL,
	"offset" bigint NOT NULL,
	"type" text NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"data" jsonb NOT NULL,
	"persisted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inbox" (
	"notification_id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"partition" integer NOT NULL,
	"offset" bigint NOT NULL,
	"category" text NOT NULL,
	"title" text NOT NULL,
	"body" text,
	"url" text,
	"payload" jsonb,
	"priority" text DEFAULT 'normal' NOT NULL,
	"group_key" text,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"seen_at" timestamp with time zone,
	"read_at" timestamp with time zone,
	"archived_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "meta" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "topic_subscriptions" (
	"topic" text NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "topic_subscriptions_topic_user_id_pk" PRIMARY KEY("topic","user_id")
);
--> statement-breakpoint
CREATE TABLE "watermarks" (
	"partition" integer PRIMARY KEY NOT NULL,
	"next_offset" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letters_partition_offset_key" ON "dead_letters" USING btree ("partition","offset");--> statement-breakpoint
CREATE UNIQUE INDEX "events_partition_offset_key" ON "events" USING btree ("partition","offset");--> statement-breakpoint
CREATE INDEX "events_user_partition_offset_idx" ON "events" USING btree ("user_id","partition","offset");--> statement-breakpoint
CREATE INDEX "inbox_user_offset_idx" ON "inbox" USING btree ("user_id","offset" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "inbox_user_unread_idx" ON "inbox" USING btree ("user_id") WHERE "inbox"."read_at" is null and "inbox"."archived_at" is null;