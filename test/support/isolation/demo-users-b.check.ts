import { issuesTheDemoUsers } from './demo-users.js';

issuesTheDemoUsers();
