import { writeOutputRaw } from "../../../sdk/assemblyscript";

writeOutputRaw("{}");
