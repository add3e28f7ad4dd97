// customers-service: see services/customers/customers_service.h.
#include "customers_service.h"

int main(int argc, char** argv) { return schemashift::customers::run(argc, argv); }
