CREATE TABLE "devices" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"model" text DEFAULT 'generic' NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source" text DEFAULT 'admin' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "dead_letters" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"topic" text NOT NULL,
	"reason" text NOT NULL,
	"detail" text NOT NULL,
	"device_id" text,
	"payload_head" "bytea" NOT NULL,
	"payload_bytes" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "readings" (
	"device_id" text NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"boot" bigint NOT NULL,
	"seq" bigint NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"metrics" jsonb NOT NULL,
	"payload_sha256" "bytea" NOT NULL,
	CONSTRAINT "readings_device_ts_boot_seq_key" UNIQUE("device_id","ts","boot","seq")
);
--> statement-breakpoint
CREATE INDEX "dead_letters_received_at_idx" ON "dead_letters" USING btree ("received_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "dead_letters_device_received_at_idx" ON "dead_letters" USING btree ("device_id","received_at" DESC NULLS LAST);