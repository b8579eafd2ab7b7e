CREATE TABLE stedi.customer_landing (
    customername VARCHAR(256) NOT NULL,
    email VARCHAR(256) NOT NULL,
    phone VARCHAR(32) NOT NULL,
    birthday VARCHAR(16) NOT NULL,
    serialnumber VARCHAR(64) NOT NULL,
    registrationdate BIGINT NOT NULL,
    lastupdatedate BIGINT NOT NULL,
    sharewithresearchasofdate BIGINT,
    sharewithpublicasofdate BIGINT,
    sharewithfriendsasofdate BIGINT,
    _source_file VARCHAR(1024) NOT NULL
);
