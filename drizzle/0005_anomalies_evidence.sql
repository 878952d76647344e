CREATE TABLE "anomalies" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"device_id" text NOT NULL,
	"reading_ts" timestamp (3) with time zone NOT NULL,
	"reading_boot" bigint NOT NULL,
	"reading_seq" bigint NOT NULL,
	"detected_at" timestamp (3) with time zone NOT NULL,
	"type" text NOT NULL,
	"severity" text NOT NULL,
	"score" double precision NOT NULL,
	"features" jsonb NOT NULL,
	"payload" "bytea" NOT NULL,
	"payload_sha256" "bytea" NOT NULL,
	"model_sha256" "bytea" NOT NULL,
	"threshold" double precision NOT NULL,
	"acknowledged_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "evidence_batches" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"chain_id" integer NOT NULL,
	"contract_address" text NOT NULL,
	"root" "bytea" NOT NULL,
	"leaf_count" integer NOT NULL,
	"meta_hash" "bytea" NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"tx_hash" text,
	"chain_batch_id" bigint,
	"block_number" bigint,
	"anchored_at" timestamp (3) with time zone,
	CONSTRAINT "evidence_batches_registry_root_key" UNIQUE("chain_id","contract_address","root")
);
--> statement-breakpoint
CREATE TABLE "evidence_outbox" (
	"anomaly_id" bigint PRIMARY KEY NOT NULL,
	"leaf" "bytea" NOT NULL,
	"enqueued_at" timestamp (3) with time zone NOT NULL,
	"batch_id" bigint
);
--> statement-breakpoint
CREATE TABLE "evidence_proofs" (
	"anomaly_id" bigint NOT NULL,
	"batch_id" bigint NOT NULL,
	"leaf" "bytea" NOT NULL,
	"proof" jsonb NOT NULL,
	CONSTRAINT "evidence_proofs_anomaly_id_batch_id_pk" PRIMARY KEY("anomaly_id","batch_id")
);
--> statement-breakpoint
ALTER TABLE "evidence_outbox" ADD CONSTRAINT "evidence_outbox_anomaly_id_anomalies_id_fk" FOREIGN KEY ("anomaly_id") REFERENCES "public"."anomalies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_outbox" ADD CONSTRAINT "evidence_outbox_batch_id_evidence_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."evidence_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_proofs" ADD CONSTRAINT "evidence_proofs_batch_id_evidence_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."evidence_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "anomalies_detected_at_idx" ON "anomalies" USING btree ("detected_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "anomalies_device_detected_at_idx" ON "anomalies" USING btree ("device_id","detected_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "evidence_batches_status_idx" ON "evidence_batches" USING btree ("status");--> statement-breakpoint
CREATE INDEX "evidence_outbox_batch_idx" ON "evidence_outbox" USING btree ("batch_id","anomaly_id");--> statement-breakpoint
CREATE INDEX "evidence_proofs_batch_idx" ON "evidence_proofs" USING btree ("batch_id");