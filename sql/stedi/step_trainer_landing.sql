CREATE TABLE stedi.step_trainer_landing (
    sensorreadingtime BIGINT NOT NULL,
    serialnumber VARCHAR(64) NOT NULL,
    distancefromobject INTEGER NOT NULL,
    _source_file VARCHAR(1024) NOT NULL
);
